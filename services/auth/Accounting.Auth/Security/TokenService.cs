using System.Security.Cryptography;
using System.Text;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Accounting.Auth.Security;

public sealed record Tokens(string AccessToken, string RefreshToken, string TokenType, int ExpiresIn);

/// <summary>
/// Issues a session: a signed access token (stateless, 15 minutes) and an opaque refresh token
/// stored only as a hash, one of a rotation family.
/// </summary>
public sealed class TokenService(SigningKeyRing keys, IOptions<AuthOptions> options, TimeProvider clock)
{
    private readonly AuthOptions settings = options.Value;
    private readonly JsonWebTokenHandler handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>Writes the refresh token inside <paramref name="transaction"/>; <paramref name="familyId"/> continues a rotation.</summary>
    public async Task<Tokens> IssueAsync(
        NpgsqlTransaction transaction, string userId, int tokenGeneration, string organisationId, string role, string? familyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var now = clock.GetUtcNow();
        var signing = await keys.CurrentAsync(cancellationToken);
        var plan = await transaction.Connection!.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT plan FROM organisations WHERE id = @OrganisationId", new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        var accessToken = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + settings.AccessTokenLifetime).UtcDateTime,
            SigningCredentials = signing.Signer,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId,
                [JwtRegisteredClaimNames.Jti] = Ids.New("jti"),
                [UserTokens.OrganisationClaim] = organisationId,
                [UserTokens.RoleClaim] = role,
                [UserTokens.PlanClaim] = plan,
            },
        });

        var refreshToken = "rt_" + Ids.RandomBase62(43);
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, organisation_id, token_generation, created_at, expires_at)
            VALUES (@Id, @TokenHash, @FamilyId, @UserId, @OrganisationId, @TokenGeneration, @Now, @ExpiresAt)
            """,
            new
            {
                Id = Ids.New("rtk"),
                TokenHash = HashOpaque(refreshToken),
                FamilyId = familyId ?? Ids.New("fam"),
                UserId = userId,
                OrganisationId = organisationId,
                TokenGeneration = tokenGeneration,
                Now = now,
                ExpiresAt = now + settings.RefreshTokenLifetime,
            },
            transaction,
            cancellationToken: cancellationToken));

        return new Tokens(accessToken, refreshToken, "bearer", (int)settings.AccessTokenLifetime.TotalSeconds);
    }

    /// <summary>Refresh tokens and login challenges are random, so a plain SHA-256 is enough to keep them unusable if the table leaks.</summary>
    public static string HashOpaque(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
