using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Accounting.Ledger.Tests.Banking.Imports",
    Justification = "The namespace follows the feature folder Banking/Imports; 'Imports' is a keyword only in Visual Basic.")]
