using Accounting.Auth.Security;

namespace Accounting.Auth.Endpoints;

public sealed record UserView(string Id, string Email, string FullName, DateTimeOffset CreatedAt);

public sealed record OrganisationView(string Id, string Name, string Plan, DateTimeOffset CreatedAt);

public sealed record MembershipView(string Id, string Name, string Plan, string Role, DateTimeOffset CreatedAt);

/// <summary>A new account: its user, the organisation it owns, and a session.</summary>
public sealed record RegistrationView(UserView User, OrganisationView Organisation, Tokens Tokens);

/// <summary>A completed login: the session and who it belongs to.</summary>
public sealed record SessionView(Tokens Tokens, UserView User);

/// <summary>A new session for the same user: after a refresh or a switch of organisation.</summary>
public sealed record SessionTokensView(Tokens Tokens);

/// <summary>A login that needs a second factor: the temporary token to send with the code to <c>/auth/totp/verify</c>.</summary>
public sealed record TotpChallengeView(bool RequiresTotp, string TempToken, int ExpiresIn);

public sealed record TotpSetupView(string Secret, string OtpauthUri);

public sealed record CurrentOrganisationView(string Id, string Name);

public sealed record MemberOfView(string Id, string Name, string Role);

/// <summary>The signed-in user, their role in the organisation of this session, and every organisation they belong to.</summary>
public sealed record MeView(
    string Id, string Email, string FullName, string Role, CurrentOrganisationView Organisation, IReadOnlyList<MemberOfView> Organisations);
