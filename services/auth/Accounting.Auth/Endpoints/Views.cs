namespace Accounting.Auth.Endpoints;

public sealed record UserView(string Id, string Email, string FullName, DateTimeOffset CreatedAt);

public sealed record OrganisationView(string Id, string Name, string Plan, DateTimeOffset CreatedAt);

public sealed record MembershipView(string Id, string Name, string Plan, string Role, DateTimeOffset CreatedAt);
