using System.Diagnostics;
using System.Globalization;
using Accounting.Messaging;
using Accounting.Webhooks.Tests;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

// Publishes events for one organisation with five endpoints on local stub receivers and reports
// deliveries per second and latency from the event's commit to its arrival at a receiver.
//   dotnet run -c Release --project bench/webhooks -- [events per second] [seconds] [burst events]
var rate = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100;
var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var burst = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2000;
const int Endpoints = 5;

Environment.SetEnvironmentVariable("Logging__LogLevel__Default", "Warning");
// The test host finds the service's content root through its test assembly; this program is not one.
Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ACCOUNTING_WEBHOOKS",
    Path.Combine(Accounting.Testing.TestEnvironment.RepositoryRoot, "services", "webhooks", "Accounting.Webhooks"));
var factory = new WebhooksFactory();
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
    var committedAt = new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>();

    await RunAsync("warm-up", 50, 0);
    await RunAsync($"paced: {rate} events/s for {seconds} s", rate * seconds, rate);
    await RunAsync($"burst: {burst} events at once", burst, 0);

    async Task RunAsync(string name, int events, int eventsPerSecond)
    {
        foreach (var receiver in receivers)
        {
            receiver.Forget();
        }

        committedAt.Clear();
        var started = Stopwatch.GetTimestamp();
        for (var sent = 0; sent < events; sent++)
        {
            if (eventsPerSecond > 0)
            {
                var due = TimeSpan.FromSeconds((double)sent / eventsPerSecond) - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due);
                }
            }

            var created = WebhooksTestActions.KeyCreated(organisation);
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await Outbox.EnqueueAsync(transaction, created, created.KeyId, default);
            await transaction.CommitAsync();
            committedAt["evt_" + created.EventId.ToString("N")] = DateTimeOffset.UtcNow;
        }

        var publishing = Stopwatch.GetElapsedTime(started);
        var expected = events * Endpoints;
        var deadline = Stopwatch.GetTimestamp();
        while (receivers.Sum(r => r.Received.Count) < expected && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(20);
        }

        var received = receivers.SelectMany(r => r.Received).ToList();
        var latencies = received.Select(r => (r.ReceivedAt - committedAt[r.WebhookId]).TotalMilliseconds).Order().ToList();
        var window = (received.Max(r => r.ReceivedAt) - committedAt.Values.Min()).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {received.Count}/{expected} deliveries in {window:0.00} s ({received.Count / window:0} deliveries/s; publishing took {publishing.TotalSeconds:0.00} s); " +
            $"latency p50 {Percentile(latencies, 0.50):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies[^1]:0} ms"));
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

static double Percentile(List<double> sorted, double quantile) => sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
