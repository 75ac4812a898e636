using Accounting.Testing;

namespace Accounting.Reports.Tests;

public sealed class ReportsFactory() : ServiceFactory<Program>("reports");

public sealed class ReportsHostingTests(ReportsFactory factory) : ServiceHostingTests<Program>(factory), IClassFixture<ReportsFactory>;
