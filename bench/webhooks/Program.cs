using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Accounting.Bench.Webhooks;
using Accounting.Messaging;
using Accounting.Testing;
using Accounting.Webhooks;
using Accounting.Webhooks.Tests;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

// Publishes events for one organisation with five endpoints on local WireMock receivers and reports
// deliveries per second and latency from the event's commit to its arrival at a receiver.
//   dotnet run -c Release --project bench/webhooks -- [events per second] [seconds] [burst events]
// Every run starts clean: a database of its own (created and dropped by the test factory) and a
// RabbitMQ vhost of its own on ./dev's broker (created and deleted here), so no queue, binding or
// message left by tests or earlier runs shares the broker's work. It refuses to run without one.
var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var burst = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
const int Endpoints = 5;
// Writers committing at once during the burst, as that many requests would; well under the pool's size.
const int BurstWriters = 32;

Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
// The test host finds the service's content root through its test assembly; this program is not one.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ACCOUNTING_WEBHOOKS",
    Path.Combine(TestEnvironment.RepositoryRoot, "services", "webhooks", "Accounting.Webhooks"));

await using var vhost = await BrokerVhost.CreateAsync(new Uri(TestEnvironment.RabbitMq));
if (vhost is null)
{
    return 1;
}

var factory = new VhostWebhooksFactory(vhost.Uri);
await factory.InitializeAsync();
var receivers = new List<StubReceiver>();
try
{
    for (var i = 0; i < Endpoints; i++)
    {
        receivers.Add(await StubReceiver.StartAsync());
    }

    var organisation = WebhooksTestActions.NewOrganisation();
    using (var client = factory.ClientFor(organisation))
    {
        foreach (var receiver in receivers)
        {
            await client.SubscribeAsync(receiver.Url, "api_key.created");
        }
    }

    var dataSource = factory.Services.GetRequiredService<NpgsqlDataSource>();
    await PrintSettingsAsync();
    var committedAt = new ConcurrentDictionary<string, DateTimeOffset>();

    // Cold start (JIT, first connections, the broker's first deliveries) is paid here and not reported as a figure.
    await RunAsync("warm-up (not a figure)", Math.Max(rate, 10) * 5, Math.Max(rate, 10), 1);
    await RunAsync($"paced: {rate} events/s for {seconds} s", rate * seconds, rate, 1);
    await RunAsync($"burst: {burst} events from {BurstWriters} writers at once", burst, 0, BurstWriters);
    Console.WriteLine($"load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}");

    async Task PrintSettingsAsync()
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var server = await connection.QuerySingleAsync<(string Version, string Fsync, string SynchronousCommit, string MaxConnections)>(
            "SELECT current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'), current_setting('max_connections')");
        var others = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname IS DISTINCT FROM current_database() AND backend_type = 'client backend'");
        var pool = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        var webhooks = factory.Services.GetRequiredService<IOptions<WebhooksOptions>>().Value;
        var outbox = factory.Services.GetRequiredService<IOptions<OutboxOptions>>().Value;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            settings:
              machine: {Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Trim()}
              postgresql {server.Version}: fsync={server.Fsync}, synchronous_commit={server.SynchronousCommit}, max_connections={server.MaxConnections}; database {connection.Database} (new), {others} other client connections on the server
              npgsql pool: max {pool.MaxPoolSize}, min {pool.MinPoolSize}
              rabbitmq: vhost {vhost.Name} (new) on {vhost.Node}
              webhooks: 1 replica, {webhooks.MaxConcurrentAttempts} attempts at once, {webhooks.MaxConcurrentAttemptsPerEndpoint} per endpoint, poll {webhooks.PollInterval.TotalMilliseconds} ms (NOTIFY wakes it first)
              outbox relay: batch {outbox.BatchSize}, poll {outbox.PollInterval.TotalMilliseconds} ms (NOTIFY wakes it first)
              receivers: {Endpoints} WireMock.Net servers on 127.0.0.1, every endpoint subscribed to every event
            """));
    }

    async Task RunAsync(string name, int events, int eventsPerSecond, int writers)
    {
        foreach (var receiver in receivers)
        {
            receiver.Forget();
        }

        committedAt.Clear();
        var cpu = CpuTimes.Now();
        var started = Stopwatch.GetTimestamp();
        if (eventsPerSecond > 0)
        {
            // Open loop: each event is written when it is due, whether or not earlier writes have finished.
            var writes = new List<Task>(events);
            for (var sent = 0; sent < events; sent++)
            {
                var due = TimeSpan.FromSeconds((double)sent / eventsPerSecond) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }

                writes.Add(PublishOneAsync());
            }

            await Task.WhenAll(writes);
        }
        else
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, events), new ParallelOptions { MaxDegreeOfParallelism = writers }, async (_, _) => await PublishOneAsync());
        }

        var publishing = Stopwatch.GetElapsedTime(started);
        var expected = events * Endpoints;
        var waiting = Stopwatch.GetTimestamp();
        while (receivers.Sum(r => r.Count) < expected && Stopwatch.GetElapsedTime(waiting) < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(100);
        }

        var used = CpuTimes.Now() - cpu;
        var received = receivers.SelectMany(r => r.Received).ToList();
        var latencies = received.Select(r => (r.ReceivedAt - committedAt[r.WebhookId]).TotalMilliseconds).Order().ToList();
        var window = (received.Max(r => r.ReceivedAt) - committedAt.Values.Min()).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {received.Count}/{expected} deliveries in {window:0.00} s ({received.Count / window:0} deliveries/s; writing the events took {publishing.TotalSeconds:0.00} s); " +
            $"latency p50 {Percentile(latencies, 0.50):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies[^1]:0} ms; {used.PerDelivery(received.Count)}"));
    }

    async Task PublishOneAsync()
    {
        var created = WebhooksTestActions.KeyCreated(organisation);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Outbox.EnqueueAsync(transaction, created, created.KeyId, default);
        await transaction.CommitAsync();
        committedAt["evt_" + created.EventId.ToString("N")] = DateTimeOffset.UtcNow;
    }
}
finally
{
    foreach (var receiver in receivers)
    {
        await receiver.DisposeAsync();
    }

    await ((Xunit.IAsyncLifetime)factory).DisposeAsync();
}

return 0;

static double Percentile(List<double> sorted, double quantile) => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
