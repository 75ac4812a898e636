using Accounting.Testing;

namespace Accounting.Ledger.Tests;

public sealed class LedgerFactory() : ServiceFactory<Program>("ledger");

public sealed class LedgerHostingTests(LedgerFactory factory) : ServiceHostingTests<Program>(factory), IClassFixture<LedgerFactory>;
