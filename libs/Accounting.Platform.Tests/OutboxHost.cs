using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Accounting.Contracts;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.Testing;
using Dapper;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Accounting.Platform.Tests;

/// <summary>An event that exists only to prove the outbox end to end.</summary>
[EventContract("test.happened", 1)]
public sealed record TestHappened : IntegrationEvent
{
    public required int Sequence { get; init; }
}

/// <summary>Records each event's effect in the database, through the inbox, as a real consumer would.</summary>
public sealed class RecordingConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<TestHappened>(dataSource)
{
    protected override Task HandleAsync(TestHappened message, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO handled_events (event_id, sequence) VALUES (@EventId, @Sequence)",
            new { message.EventId, message.Sequence }, transaction, cancellationToken: cancellationToken));
}

/// <summary>Counts raw broker deliveries, before any deduplication.</summary>
public sealed class DeliveryCounter(OutboxHost host) : IConsumer<TestHappened>
{
    public Task Consume(ConsumeContext<TestHappened> context)
    {
        host.Deliveries.AddOrUpdate(context.Message.EventId, 1, (_, count) => count + 1);
        return Task.CompletedTask;
    }
}

/// <summary>An event its consumer always refuses, to follow one message through every retry to <c>_error</c>.</summary>
[EventContract("test.refused", 1)]
public sealed record TestRefused : IntegrationEvent;

public sealed class RefusingConsumer(OutboxHost host) : IConsumer<TestRefused>
{
    public Task Consume(ConsumeContext<TestRefused> context)
    {
        host.RecordRefusal();
        throw new InvalidOperationException("This consumer refuses every message.");
    }
}

/// <summary>
/// A host with the outbox, the relay and two consumers on their own queues, against the real
/// PostgreSQL and RabbitMQ of the test run.
/// </summary>
public sealed class OutboxHost : IAsyncLifetime, IDisposable
{
    private static readonly string[] SecondsWhereProductionWaitsMinutes = ["00:00:01", "00:00:02", "00:00:04", "00:00:08", "00:00:16", "00:00:32", "00:01:04"];

    private readonly string queuePrefix = "platform-tests-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string[] redeliveryIntervals;
    private int refusalCount;
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> measured = new();
    private TestDatabase database = null!;
    private WebApplication app = null!;

    public ConcurrentDictionary<Guid, int> Deliveries { get; } = new();

    public NpgsqlDataSource DataSource => app.Services.GetRequiredService<NpgsqlDataSource>();

    public IBus Bus => app.Services.GetRequiredService<IBus>();

    public OutboxHost()
        : this(SecondsWhereProductionWaitsMinutes)
    {
    }

    internal OutboxHost(string[] redeliveryIntervals) => this.redeliveryIntervals = redeliveryIntervals;

    /// <summary>How many times <see cref="RefusingConsumer"/> was called, retries and redeliveries included.</summary>
    public int Refusals => Volatile.Read(ref refusalCount);

    internal void RecordRefusal() => Interlocked.Increment(ref refusalCount);

    private string[] Queues => [queuePrefix + "-recording", queuePrefix + "-counting", queuePrefix + "-refusing"];

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:Postgres"] = database.ConnectionString;
        builder.Configuration["ConnectionStrings:RabbitMq"] = TestEnvironment.RabbitMq;
        // Seconds where production waits minutes, so that an outage outlasts the retries in memory but not the redeliveries.
        string[] retryIntervals = ["00:00:00.05", "00:00:00.1"];
        foreach (var (interval, index) in retryIntervals.Select((interval, index) => (interval, index)))
        {
            builder.Configuration[$"Consumers:RetryIntervals:{index}"] = interval;
        }

        foreach (var (interval, index) in redeliveryIntervals.Select((interval, index) => (interval, index)))
        {
            builder.Configuration[$"Consumers:RedeliveryIntervals:{index}"] = interval;
        }

        builder.AddServiceDefaults("outbox-tests");
        builder.AddPostgres("outbox-tests", typeof(OutboxHost).Assembly);
        builder.AddMessaging("outbox-tests", bus =>
        {
            // One message at a time, so the order handled is the order the relay published.
            bus.AddConsumer<RecordingConsumer>().Endpoint(e =>
            {
                e.Name = Queues[0];
                e.ConcurrentMessageLimit = 1;
            });
            bus.AddConsumer<DeliveryCounter>().Endpoint(e => e.Name = Queues[1]);
            bus.AddConsumer<RefusingConsumer>().Endpoint(e => e.Name = Queues[2]);
        }, typeof(TestHappened).Assembly);
        builder.Services.AddSingleton(this);
        // Queues must be bound before the first publish, or the test's first events have nowhere to go.
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);

        app = builder.Build();
        app.UseServiceDefaults();
        ListenToOwnMeters(app.Services.GetRequiredService<IMeterFactory>());
        await app.StartAsync();

        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE TABLE handled_events (event_id uuid NOT NULL, sequence int NOT NULL)");
    }

    public async Task<TestHappened> WriteAsync(string aggregateId, int sequence, bool commit = true)
    {
        var happened = new TestHappened { OrganisationId = "org_outbox", Sequence = sequence };
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Outbox.EnqueueAsync(transaction, happened, aggregateId, default);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        return happened;
    }

    /// <summary>How many times each event's effect was applied.</summary>
    public async Task<Dictionary<Guid, int>> HandledAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return (await connection.QueryAsync<(Guid EventId, int Count)>("SELECT event_id, count(*)::int FROM handled_events GROUP BY event_id"))
            .ToDictionary(row => row.EventId, row => row.Count);
    }

    public async Task<int> UnpublishedAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM outbox_messages WHERE published_at IS NULL");
    }

    /// <summary>The total this host recorded on a counter of its own meters (<c>outbox.relay.backoffs</c>).</summary>
    public long Measured(string instrument) => measured.GetValueOrDefault(instrument);

    /// <summary>Messages waiting in the consumers' <c>_error</c> queues; a queue never declared holds none.</summary>
    public async Task<uint> DeadLetteredAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        uint total = 0;
        foreach (var queue in Queues)
        {
            // A passive declare of a missing queue closes its channel, hence one channel each.
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                total += (await channel.QueueDeclarePassiveAsync(queue + "_error")).MessageCount;
            }
            catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
            {
            }
        }

        return total;
    }

    public void Dispose() => listener.Dispose();

    public async Task DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        await database.DisposeAsync();
        await DeleteQueuesAsync();
    }

    private void ListenToOwnMeters(IMeterFactory meters)
    {
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Meter.Name == MessagingMetrics.MeterName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            measured.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        listener.Start();
    }

    private async Task DeleteQueuesAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestEnvironment.RabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in Queues.SelectMany(queue => new[] { queue, queue + "_error", queue + "_skipped" }))
        {
            await channel.QueueDeleteAsync(queue);
            await channel.ExchangeDeleteAsync(queue);
        }
    }
}
