using Accounting.Testing;

namespace Accounting.Webhooks.Tests;

public sealed class WebhooksHostingTests(WebhooksFactory factory) : ServiceHostingTests<Program>(factory), IClassFixture<WebhooksFactory>;
