using Accounting.Testing;

namespace Accounting.Reports.Tests;

[Collection(nameof(ReportsHosts))]
public sealed class ReportsHostingTests(ReportsFactory factory) : ServiceHostingTests<Program>(factory), IClassFixture<ReportsFactory>;
