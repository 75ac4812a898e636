extern alias gateway;
extern alias ledger;

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Accounting.ServiceDefaults.Http;
using Accounting.Testing;
using Xunit.Abstractions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using ResolvedApiKey = gateway::Accounting.Gateway.Authentication.ResolvedApiKey;

namespace Accounting.Webhooks.Tests.Tracing;

/// <summary>A real ledger on a loopback port, for a real gateway to proxy to.</summary>
public sealed class ListeningLedger() : ServiceFactory<ledger::Program>("ledger")
{
    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
}

/// <summary>The gateway on a loopback port, with auth played by <paramref name="auth"/> and the ledger by <paramref name="ledger"/>.</summary>
public sealed class ListeningGateway(Uri auth, Uri ledger) : WebApplicationFactory<gateway::Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
        builder.UseSetting("InternalIdentity:SigningKeyPath", TestIdentity.SigningKeyPath);
        builder.UseSetting("ReverseProxy:Clusters:auth:Destinations:primary:Address", auth.ToString());
        builder.UseSetting("ReverseProxy:Clusters:ledger:Destinations:primary:Address", ledger.ToString());
    }
}

/// <summary>
/// Contract §8: one trace follows a request from the gateway through the service, its SQL, the
/// outbox and the broker to the webhook delivery. Gateway, ledger and webhooks run together on the
/// real servers; spans are collected in the process by an <see cref="ActivityListener"/>, as an
/// OpenTelemetry SDK would see them.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes the hosts and the listener through IAsyncLifetime.DisposeAsync.")]
public sealed class EndToEndTraceTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly ActivitySource Caller = new("Accounting.Webhooks.Tests.Caller");

    private readonly ITestOutputHelper output;
    private readonly ConcurrentQueue<Activity> spans = new();
    private readonly ActivityListener listener;
    private readonly WireMockServer auth = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });
    private readonly ListeningLedger ledger = new();
    private readonly WebhooksFactory webhooks = new();
    private ListeningGateway gateway = null!;

    public EndToEndTraceTests(ITestOutputHelper output)
    {
        this.output = output;
        listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public async Task InitializeAsync()
    {
        await ledger.InitializeAsync();
        ledger.UseKestrel(0);
        ledger.StartServer();
        await webhooks.InitializeAsync();
        _ = webhooks.Services;
        gateway = new ListeningGateway(new Uri(auth.Url!), ledger.Address);
        gateway.UseKestrel(0);
        gateway.StartServer();
    }

    [Fact]
    public async Task A_request_through_the_gateway_is_one_trace_from_its_server_span_to_the_webhook_deliverys_http_call()
    {
        var organisation = WebhooksTestActions.NewOrganisation();
        AuthKnowsKey(new ResolvedApiKey("key_trace", organisation, "live", ["contacts:write"], "standard", null, "active"));
        await using var receiver = await StubReceiver.StartAsync();
        using (var subscriber = webhooks.ClientFor(organisation))
        {
            await subscriber.SubscribeAsync(receiver.Url, "contact.created");
        }

        using var client = gateway.CreateClient();
        ActivityTraceId traceId;
        ActivitySpanId callerSpan;
        using (var call = Caller.StartActivity("api consumer", ActivityKind.Internal)!)
        {
            (traceId, callerSpan) = (call.TraceId, call.SpanId);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/contacts")
            {
                Content = JsonContent.Create(new { type = "customer", name = "Traced Ltd" }),
            };
            request.Headers.Add("X-API-Key", "sk_test_" + Guid.NewGuid().ToString("N"));
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        }

        (await Eventually.HoldsAsync(() => Trace(traceId).Any(s => s.OperationName == "webhook deliver") && receiver.Received.Count > 0, Deadline)).ShouldBeTrue();
        // The delivery's HTTP client span ends just after the receiver answers.
        (await Eventually.HoldsAsync(() => Trace(traceId).Any(s => IsHttpClient(s) && ParentOf(s, traceId)?.OperationName == "webhook deliver"), Deadline)).ShouldBeTrue();
        var trace = Trace(traceId);
        output.WriteLine(Describe(trace).Replace("; ", "\n", StringComparison.Ordinal));
        Activity Only(Func<Activity, bool> predicate, string what) =>
            trace.Where(predicate).ShouldHaveSingleItem($"one {what} in the trace; spans: {Describe(trace)}");

        // The API consumer's own HTTP client span, when its client has one, stands between it and the gateway.
        var fromCaller = trace.Where(s => s.ParentSpanId == callerSpan).Select(s => s.SpanId).Append(callerSpan).ToHashSet();
        var gatewayServer = Only(s => s.Kind == ActivityKind.Server && fromCaller.Contains(s.ParentSpanId), "gateway server span");
        var proxied = Only(s => IsHttpClient(s) && Descends(s, gatewayServer, trace) && Url(s).StartsWith(ledger.Address.ToString(), StringComparison.Ordinal), "proxied call to the ledger");
        var ledgerServer = Only(s => s.Kind == ActivityKind.Server && s.ParentSpanId == proxied.SpanId, "ledger server span");
        Only(s => s.Source.Name == "Npgsql" && Descends(s, ledgerServer, trace) && TagsMention(s, "INSERT INTO contacts"), "SQL span of the contact's insert");
        var outboxPublish = Only(s => s.Source.Name == "Accounting.Outbox" && s.Kind == ActivityKind.Producer, "outbox publish");
        Descends(outboxPublish, ledgerServer, trace).ShouldBeTrue("the relay continues the trace stored with the outbox row");
        var brokerSend = Only(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Producer && s.ParentSpanId == outboxPublish.SpanId, "MassTransit send");
        var deliver = Only(s => s.OperationName == "webhook deliver", "delivery attempt");
        deliver.Kind.ShouldBe(ActivityKind.Client);
        var consumed = trace.Where(s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer && Descends(s, brokerSend, trace)).ToList();
        consumed.ShouldNotBeEmpty("the webhooks consumer continues the trace from the message's headers");
        consumed.ShouldContain(c => Descends(deliver, c, trace), "the delivery continues the trace stored with the delivery row");
        var deliveryHttp = Only(s => IsHttpClient(s) && s.ParentSpanId == deliver.SpanId, "HTTP call of the delivery attempt");
        Url(deliveryHttp).ShouldBe(receiver.Url);
        receiver.Received.Single().TraceParent.ShouldStartWith($"00-{traceId}-");
    }

    private void AuthKnowsKey(ResolvedApiKey key)
    {
        auth.Given(Request.Create().WithPath("/internal/api-keys/resolve").UsingPost())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(JsonSerializer.Serialize(key, JsonDefaults.Options)));
        auth.Given(Request.Create().WithPath("/.well-known/jwks.json").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody("""{"keys":[]}"""));
        // Key usage and the request log are accepted and otherwise ignored.
        auth.Given(Request.Create().UsingPost()).AtPriority(int.MaxValue).RespondWith(Response.Create().WithStatusCode(204));
    }

    private List<Activity> Trace(ActivityTraceId traceId) => [.. spans.Where(s => s.TraceId == traceId)];

    private Activity? ParentOf(Activity span, ActivityTraceId traceId) => Trace(traceId).FirstOrDefault(s => s.SpanId == span.ParentSpanId);

    private static bool Descends(Activity span, Activity ancestor, List<Activity> trace)
    {
        for (var current = span; current is not null; current = trace.FirstOrDefault(s => s.SpanId == current.ParentSpanId))
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsHttpClient(Activity span) => span.Source.Name == "System.Net.Http" && span.Kind == ActivityKind.Client;

    private static string Url(Activity span) => span.GetTagItem("url.full") as string ?? "";

    private static bool TagsMention(Activity span, string text) =>
        span.DisplayName.Contains(text, StringComparison.Ordinal) || span.TagObjects.Any(tag => tag.Value?.ToString()?.Contains(text, StringComparison.Ordinal) == true);

    private static string Describe(List<Activity> trace) =>
        string.Join("; ", trace.Select(s => $"{s.Source.Name}/{s.Kind}/{s.DisplayName} {s.SpanId}<-{s.ParentSpanId}"));

    public async Task DisposeAsync()
    {
        listener.Dispose();
        await gateway.DisposeAsync();
        await ((IAsyncLifetime)webhooks).DisposeAsync();
        await ((IAsyncLifetime)ledger).DisposeAsync();
        auth.Stop();
        auth.Dispose();
    }
}
