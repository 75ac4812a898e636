using Dapper;
using Npgsql;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Seals the plaintext secrets left by versions from before sealing (migration 0003), at start-up
/// and before the dispatcher runs. Replicas starting together seal each row once.
/// </summary>
internal sealed class LegacySecretSealing(NpgsqlDataSource dataSource, EndpointSecrets secrets) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var legacy = await connection.QueryAsync<(string Id, string Secret, string? PreviousSecret)>(new CommandDefinition(
            "SELECT id, secret, previous_secret FROM webhook_endpoints WHERE secret IS NOT NULL", cancellationToken: cancellationToken));
        foreach (var endpoint in legacy)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE webhook_endpoints
                SET sealed_secret = @SealedSecret, sealed_previous_secret = @SealedPreviousSecret, secret = NULL, previous_secret = NULL
                WHERE id = @Id AND secret = @Secret
                """,
                new
                {
                    endpoint.Id,
                    endpoint.Secret,
                    SealedSecret = secrets.Seal(endpoint.Id, endpoint.Secret),
                    SealedPreviousSecret = endpoint.PreviousSecret is null ? null : secrets.Seal(endpoint.Id, endpoint.PreviousSecret),
                },
                cancellationToken: cancellationToken));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
