using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Accounting.Testing;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Accounting.Webhooks.Tests;

/// <summary>Several hosts of the dispatcher on one database: restarts and replicas.</summary>
public sealed class ReplicaTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Secrets_stored_in_plaintext_before_sealing_are_sealed_when_the_service_starts()
    {
        var factory = new WebhooksFactory();
        await factory.InitializeAsync();
        try
        {
            _ = factory.Services;
            const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
            const string PreviousSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
            await using (var connection = new NpgsqlConnection(factory.Database.ConnectionString))
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO webhook_endpoints (id, organisation_id, url, events, secret, previous_secret, created_at, updated_at)
                    VALUES ('whk_legacy', 'org_legacy', 'https://example.com/hooks', '{*}', @Secret, @PreviousSecret, now(), now())
                    """,
                    new { Secret, PreviousSecret });
            }

            await using var restarted = factory.CreateReplica();

            await using var check = new NpgsqlConnection(factory.Database.ConnectionString);
            var row = await check.QuerySingleAsync<(string? Secret, string? PreviousSecret, byte[] SealedSecret, byte[] SealedPreviousSecret)>(
                "SELECT secret, previous_secret, sealed_secret, sealed_previous_secret FROM webhook_endpoints WHERE id = 'whk_legacy'");
            var secrets = restarted.Services.GetRequiredService<Accounting.Webhooks.Dispatch.EndpointSecrets>();
            row.Secret.ShouldBeNull();
            row.PreviousSecret.ShouldBeNull();
            secrets.Open("whk_legacy", row.SealedSecret).ShouldBe(Secret);
            secrets.Open("whk_legacy", row.SealedPreviousSecret).ShouldBe(PreviousSecret);
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }

    [Fact]
    public async Task A_retry_scheduled_before_a_restart_still_happens_after_it()
    {
        await using var receiver = await StubReceiver.StartAsync();
        receiver.FailsFirst(1, StatusCodes.Status502BadGateway);
        var first = new WebhooksFactory();
        await first.InitializeAsync();
        try
        {
            var organisation = WebhooksTestActions.NewOrganisation();
            string webhookId;
            using (var client = first.ClientFor(organisation))
            {
                (webhookId, _) = await client.SubscribeAsync(receiver.Url);
                await first.PublishAsync(WebhooksTestActions.KeyCreated(organisation));
                (await Eventually.HoldsAsync(() => client.AttemptedAsync(webhookId, 1), Deadline)).ShouldBeTrue();
            }

            await first.DisposeAsync();
            first.Clock.Advance(TimeSpan.FromMinutes(1));
            await using var restarted = first.CreateReplica();
            using var restartedClient = restarted.CreateDefaultClient(new FreshIdentityHandler(TestIdentity.Caller(organisation, "webhooks:read"), "webhooks", first.Clock));

            (await Eventually.HoldsAsync(() => restartedClient.SettledAsync(webhookId, "succeeded"), Deadline)).ShouldBeTrue();
            receiver.Received.Count.ShouldBe(2);
            receiver.Received.Select(r => r.WebhookId).Distinct().Count().ShouldBe(1);
        }
        finally
        {
            await first.Database.DisposeAsync();
            await first.Settings.DeleteQueueAsync();
        }
    }

    [Fact]
    public async Task Two_dispatchers_deliver_each_attempt_exactly_once()
    {
        await using var first = await StubReceiver.StartAsync();
        await using var second = await StubReceiver.StartAsync();
        // More requests held at once than one host may send proves both are sending, whatever their speed.
        var bothSending = new Rendezvous(AFewAttemptsAtATime.PerHost + 1);
        first.Holds(bothSending.PassAsync);
        second.Holds(bothSending.PassAsync);
        var primary = new AFewAttemptsAtATime();
        await primary.InitializeAsync();
        try
        {
            var organisation = WebhooksTestActions.NewOrganisation();
            using var client = primary.ClientFor(organisation);
            await client.SubscribeAsync(first.Url);
            await client.SubscribeAsync(second.Url);
            await using var replica = primary.CreateReplica();
            using var attemptsByHost = new AttemptsByHost(primary.Services.GetRequiredService<IMeterFactory>(), replica.Services.GetRequiredService<IMeterFactory>());
            var events = Enumerable.Range(0, 300).Select(_ => WebhooksTestActions.KeyCreated(organisation)).ToArray();

            await primary.PublishAsync(events);

            (await Eventually.HoldsAsync(async () => await CountAsync(primary, "SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'") == 600, Deadline)).ShouldBeTrue();
            foreach (var receiver in new[] { first, second })
            {
                receiver.Received.Count.ShouldBe(events.Length);
                receiver.Received.Select(r => r.WebhookId).Distinct().Count().ShouldBe(events.Length);
            }

            (await CountAsync(primary, "SELECT count(*) FROM webhook_attempts")).ShouldBe(600);
            var perHost = attemptsByHost.Counts();
            output.WriteLine($"attempts by host: {string.Join(", ", perHost)}");
            perHost.Sum().ShouldBe(600);
            perHost.Count.ShouldBe(2);
        }
        finally
        {
            await ((IAsyncLifetime)primary).DisposeAsync();
        }
    }

    private sealed class AFewAttemptsAtATime() : WebhooksFactory(WebhooksTestSettings.Create() with { MaxConcurrentAttempts = PerHost })
    {
        public const int PerHost = 4;
    }

    /// <summary>Holds every request until <paramref name="needed"/> have arrived, then lets all through.</summary>
    private sealed class Rendezvous(int needed)
    {
        private readonly TaskCompletionSource open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrived;

        public Task PassAsync()
        {
            if (Interlocked.Increment(ref arrived) >= needed)
            {
                open.TrySetResult();
            }

            return open.Task;
        }
    }

    private static async Task<long> CountAsync(WebhooksFactory factory, string sql)
    {
        await using var connection = new NpgsqlConnection(factory.Database.ConnectionString);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}

/// <summary>Counts the attempts each host made, from the webhooks meter of each host's own meter factory.</summary>
internal sealed class AttemptsByHost : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<object, long> counts = new();

    /// <param name="hosts">Each host's meter factory: the scope of the meters it made.</param>
    public AttemptsByHost(params IMeterFactory[] hosts)
    {
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Name == "webhooks.deliveries" && hosts.Contains(instrument.Meter.Scope))
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            counts.AddOrUpdate(instrument.Meter, value, (_, total) => total + value));
        listener.Start();
    }

    public IReadOnlyList<long> Counts() => [.. counts.Values];

    public void Dispose() => listener.Dispose();
}
