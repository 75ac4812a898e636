using System.Collections.Concurrent;
using Accounting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Accounting.Webhooks.Tests;

/// <summary>One request as a receiver saw it.</summary>
public sealed record ReceivedWebhook(string WebhookId, string Timestamp, string Signature, string BodySignature, string ContentType, string Body, DateTimeOffset ReceivedAt);

/// <summary>
/// A webhook receiver on 127.0.0.1: records every request and answers as the test scripts it
/// (200 unless told otherwise).
/// </summary>
public sealed class StubReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private StubReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>Answers the n-th request (1-based); the default is an empty 200.</summary>
    public Func<int, HttpContext, Task> Respond { get; set; } = (_, _) => Task.CompletedTask;

    public string Url { get; private set; } = "";

    public static async Task<StubReceiver> StartAsync()
    {
        var builder = LoopbackServer.CreateBuilder();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(1));
        var receiver = new StubReceiver(builder.Build());
        var count = 0;
        receiver.app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers;
            receiver.Received.Enqueue(new ReceivedWebhook(
                headers["webhook-id"].ToString(), headers["webhook-timestamp"].ToString(), headers["webhook-signature"].ToString(),
                headers["X-Signature"].ToString(), headers.ContentType.ToString(), body, DateTimeOffset.UtcNow));
            await receiver.Respond(Interlocked.Increment(ref count), context);
        });
        await receiver.app.StartAsync();
        receiver.Url = new Uri(LoopbackServer.AddressOf(receiver.app), "hooks").ToString();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
