namespace Accounting.Auth;

/// <summary>Token lifetimes and account limits of contract §3; all overridable in configuration (<c>Auth:…</c>).</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public string Issuer { get; set; } = "accounting-auth";

    public string Audience { get; set; } = "accounting-api";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan LoginChallengeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public int LoginChallengeAttempts { get; set; } = 5;

    /// <summary>How long expired refresh tokens and login challenges are kept before <see cref="Security.SessionRetention"/> deletes them.</summary>
    public TimeSpan ExpiredSessionRetention { get; set; } = TimeSpan.FromDays(1);

    public int MaxFailedLogins { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    public int MaxActiveApiKeys { get; set; } = 5;

    public int MaxOwnedOrganisations { get; set; } = 3;

    /// <summary>How long an invitation's token can be accepted (contract §3: 7 days).</summary>
    public TimeSpan InvitationLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long one key signs tokens before a new one takes over.</summary>
    public TimeSpan SigningKeyRotation { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long a new key is in the JWKS before it signs. It must outlast every cached copy of the
    /// JWKS: a gateway's (Gateway:JwksRefreshInterval, 10 minutes), an auth replica's (1 minute) and
    /// any HTTP cache honouring the JWKS's max-age (5 minutes); an hour leaves a wide margin.
    /// </summary>
    public TimeSpan SigningKeyPublishLead { get; set; } = TimeSpan.FromHours(1);

    /// <summary>File holding the base64 AES-256 key that encrypts TOTP secrets and signing keys at rest.</summary>
    public string DataKeyPath { get; set; } = "";

    /// <summary>Shown by authenticator apps next to the account.</summary>
    public string TotpIssuer { get; set; } = "Accounting";
}
