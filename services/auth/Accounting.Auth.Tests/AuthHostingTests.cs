using Accounting.Testing;

namespace Accounting.Auth.Tests;

public sealed class AuthHostingTests(AuthFactory factory) : ServiceHostingTests<Program>(factory), IClassFixture<AuthFactory>;
