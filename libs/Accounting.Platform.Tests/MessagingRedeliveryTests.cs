using Accounting.Testing;

namespace Accounting.Platform.Tests;

/// <summary>An <see cref="OutboxHost"/> whose consumers give up after two quick redeliveries.</summary>
public sealed class QuickGiveUpHost : IAsyncLifetime, IDisposable
{
    public const int RetriesInMemory = 2;
    public const int Redeliveries = 2;

    public OutboxHost Host { get; } = new(["00:00:01", "00:00:01"]);

    public Task InitializeAsync() => Host.InitializeAsync();

    public Task DisposeAsync() => Host.DisposeAsync();

    public void Dispose() => Host.Dispose();
}

public sealed class MessagingRedeliveryTests(QuickGiveUpHost fixture) : IClassFixture<QuickGiveUpHost>
{
    [Fact]
    public async Task A_message_its_consumer_always_refuses_is_redelivered_then_moved_to_error_counted_once()
    {
        var host = fixture.Host;
        await host.Bus.Publish(new TestRefused { OrganisationId = "org_outbox" });

        // The count follows the move to _error, so the two are awaited together.
        (await Eventually.HoldsAsync(
            async () => await host.DeadLetteredAsync() == 1 && host.Measured("messaging.consumer.dead_lettered") == 1, TimeSpan.FromSeconds(30))).ShouldBeTrue();

        // Every redelivery starts the retries in memory afresh, and nothing is tried after _error.
        host.Refusals.ShouldBe((QuickGiveUpHost.RetriesInMemory + 1) * (QuickGiveUpHost.Redeliveries + 1));
        host.Measured("messaging.consumer.redeliveries").ShouldBe(QuickGiveUpHost.Redeliveries);
    }
}
