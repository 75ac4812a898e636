using System.Diagnostics.CodeAnalysis;

[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Accounting.Ledger.Banking.Imports",
    Justification = "The namespace follows the feature folder Banking/Imports; 'Imports' is a keyword only in Visual Basic, which nothing here is written in.")]
[assembly: SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Scope = "namespace", Target = "~N:Accounting.Ledger.Banking.Imports.Parsing",
    Justification = "As above.")]
