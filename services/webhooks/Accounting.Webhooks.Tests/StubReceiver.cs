using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace Accounting.Webhooks.Tests;

/// <summary>One request as a receiver saw it.</summary>
public sealed record ReceivedWebhook(string WebhookId, string Timestamp, string Signature, string BodySignature, string ContentType, string Body, DateTimeOffset ReceivedAt, string TraceParent);

/// <summary>
/// A webhook receiver on 127.0.0.1 (WireMock.Net): WireMock's request log is what it received,
/// and it answers an empty 200 unless the test scripts otherwise. Every receiver behaviour the
/// tests need is WireMock's own (status sequences by scenario, bodies, headers), including held
/// responses (an async callback awaiting the test's signal), so no raw Kestrel stub is left.
/// </summary>
public sealed class StubReceiver : IAsyncDisposable
{
    private const string Path = "/hooks";
    private readonly WireMockServer server;

    private StubReceiver(WireMockServer server)
    {
        this.server = server;
        server.Given(Request.Create().WithPath(Path).UsingPost()).AtPriority(int.MaxValue).RespondWith(Response.Create().WithStatusCode(200));
    }

    public string Url => server.Url + Path;

    /// <summary>Every request so far, in the order they arrived.</summary>
    public IReadOnlyList<ReceivedWebhook> Received =>
        [.. server.LogEntries.Select(entry => entry.RequestMessage!).OrderBy(request => request.DateTime).Select(ToWebhook)];

    /// <summary>How many requests arrived so far, without reading them.</summary>
    public int Count => server.LogEntries.Count;

    public static Task<StubReceiver> StartAsync() =>
        Task.FromResult(new StubReceiver(WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] })));

    /// <summary>Answers every request with <paramref name="response"/>.</summary>
    public StubReceiver Answers(IResponseBuilder response)
    {
        server.Given(Request.Create().WithPath(Path).UsingPost()).AtPriority(1).RespondWith(response);
        return this;
    }

    /// <summary>Answers every request with <paramref name="status"/> and no body.</summary>
    public StubReceiver Answers(int status) => Answers(Response.Create().WithStatusCode(status));

    /// <summary>Answers the first <paramref name="times"/> requests with <paramref name="status"/>, every later one with <paramref name="thenStatus"/>.</summary>
    public StubReceiver FailsFirst(int times, int status, int thenStatus = 200)
    {
        server.Given(Request.Create().WithPath(Path).UsingPost()).AtPriority(1)
            .InScenario("failing first").WillSetStateTo("recovered", times)
            .RespondWith(Response.Create().WithStatusCode(status));
        server.Given(Request.Create().WithPath(Path).UsingPost()).AtPriority(1)
            .InScenario("failing first").WhenStateIs("recovered")
            .RespondWith(Response.Create().WithStatusCode(thenStatus));
        return this;
    }

    /// <summary>Holds every request until <paramref name="answer"/> completes, then answers 200.</summary>
    public StubReceiver Holds(Func<Task> answer) =>
        Answers(Response.Create().WithCallback(async _ =>
        {
            await answer();
            return new ResponseMessage { StatusCode = 200 };
        }));

    /// <summary>Forgets what was received so far.</summary>
    public void Forget() => server.ResetLogEntries();

    private static ReceivedWebhook ToWebhook(IRequestMessage request)
    {
        string Header(string name) =>
            request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.ToString() ?? "";

        return new ReceivedWebhook(
            Header("webhook-id"), Header("webhook-timestamp"), Header("webhook-signature"), Header("X-Signature"), Header("Content-Type"),
            request.Body ?? "", new DateTimeOffset(DateTime.SpecifyKind(request.DateTime, DateTimeKind.Utc)), Header("traceparent"));
    }

    public ValueTask DisposeAsync()
    {
        server.Stop();
        server.Dispose();
        return ValueTask.CompletedTask;
    }
}
