using System.Collections.Concurrent;
using System.Text.Json;
using Accounting.Gateway.Authentication;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;

namespace Accounting.Gateway.Tests;

/// <summary>What a service behind the gateway received.</summary>
public sealed record ForwardedRequest(
    string Method, string Path, string? InternalIdentity, string? Authorization, string? ApiKey, string? RequestId, long BodyLength);

/// <summary>
/// A WireMock.Net server on a free loopback port standing in for all four services: auth's internal
/// key resolution and JWKS answered from what the test set up (callbacks, as the test changes both
/// while the gateway runs), the request log accepted or refused as the test says, every other path
/// echoed. What it received is WireMock's request log.
/// </summary>
public sealed class StubUpstream : IAsyncDisposable
{
    private const string ResolvePath = "/internal/api-keys/resolve";
    private const string UsagePath = "/internal/api-keys/usage";
    private const string RequestLogPath = "/internal/request-log";
    private const string JwksPath = "/.well-known/jwks.json";
    private static readonly Guid RefusalMapping = Guid.NewGuid();
    private static readonly Guid AcceptanceMapping = Guid.NewGuid();
    private static readonly Guid EchoMapping = Guid.NewGuid();

    private readonly WireMockServer server;
    private int refuseRequestLogWith;

    private StubUpstream(WireMockServer server)
    {
        this.server = server;
        Map();
    }

    public Uri Address => new(server.Url!);

    public ConcurrentDictionary<string, ResolvedApiKey> Keys { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ForwardedRequest> Received =>
        [.. server.LogEntries.Where(e => e.MappingGuid == EchoMapping).Select(e => e.RequestMessage!).OrderBy(r => r.DateTime).Select(Forwarded)];

    public IReadOnlyList<ApiKeyUsage> Usages =>
        [.. Requests(UsagePath).SelectMany(r => JsonSerializer.Deserialize<UsageRequest>(r.Body!, JsonDefaults.Options)!.Usages)];

    public TestSigningKeys Jwks { get; } = new();

    /// <summary>Request-log entries auth accepted, as the gateway serialised them.</summary>
    public IReadOnlyList<JsonElement> LoggedRequests =>
        [.. server.LogEntries.Where(e => e.MappingGuid == AcceptanceMapping)
            .SelectMany(e => JsonDocument.Parse(e.RequestMessage!.Body!).RootElement.GetProperty("entries").EnumerateArray().Select(entry => entry.Clone()))];

    /// <summary>Request-log batches the gateway sent, accepted or not.</summary>
    public int RequestLogBatches => Entries(RequestLogPath).Count();

    /// <summary>A status other than 0 makes auth refuse every request-log batch with it.</summary>
    public int RefuseRequestLogWith
    {
        get => Volatile.Read(ref refuseRequestLogWith);
        set
        {
            Volatile.Write(ref refuseRequestLogWith, value);
            if (value == 0)
            {
                server.DeleteMapping(RefusalMapping);
                return;
            }

            server.Given(Request.Create().WithPath(RequestLogPath).UsingPost()).WithGuid(RefusalMapping).AtPriority(1)
                .RespondWith(Response.Create().WithStatusCode(value));
        }
    }

    public int Resolutions => Entries(ResolvePath).Count();

    public int JwksFetches => Entries(JwksPath).Count();

    public static Task<StubUpstream> StartAsync() =>
        Task.FromResult(new StubUpstream(WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] })));

    /// <summary>Registers a key with auth and returns the secret a client would send.</summary>
    public (string Secret, ResolvedApiKey Key) AddKey(string plan = "standard", params string[] scopes)
    {
        var secret = NewSecret();
        return (secret, Register(secret, plan, scopes));
    }

    /// <summary>A well-formed key secret that auth knows nothing of until it is registered.</summary>
    public static string NewSecret() => "sk_test_" + Ids.RandomBase62(40);

    public ResolvedApiKey Register(string secret, string plan = "standard", params string[] scopes)
    {
        var key = new ResolvedApiKey(Ids.New("key"), Ids.New("org"), "test", scopes.Length > 0 ? scopes : ["invoices:read"], plan, null, "active");
        Keys[ApiKeyHash.Compute(secret)] = key;
        return key;
    }

    private void Map()
    {
        server.Given(Request.Create().WithPath(ResolvePath).UsingPost()).RespondWith(Response.Create().WithCallback(request =>
        {
            var hash = JsonDocument.Parse(request.Body!).RootElement.GetProperty("key_hash").GetString()!;
            return Keys.TryGetValue(hash, out var key) ? Json(JsonSerializer.Serialize(key, JsonDefaults.Options)) : new ResponseMessage { StatusCode = 404 };
        }));
        server.Given(Request.Create().WithPath(UsagePath).UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        server.Given(Request.Create().WithPath(RequestLogPath).UsingPost()).WithGuid(AcceptanceMapping).AtPriority(2).RespondWith(Response.Create().WithStatusCode(204));
        server.Given(Request.Create().WithPath(JwksPath).UsingGet()).RespondWith(Response.Create().WithCallback(_ => Json(Jwks.Document)));
        server.Given(Request.Create().WithPath("/openapi/v1.json").UsingGet()).RespondWith(Response.Create()
            .WithHeader("Content-Type", "application/json")
            .WithBody(
                """
                {
                  "openapi": "3.1.1",
                  "info": { "title": "stub", "version": "v1" },
                  "paths": {
                    "/api/v1/invoices": { "get": { "responses": { "200": { "description": "OK",
                      "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Invoice" } } } } } } },
                    "/internal/api-keys/resolve": { "post": { "responses": { "200": { "description": "OK" } } } }
                  },
                  "components": { "schemas": { "Invoice": { "type": "object" } } }
                }
                """));
        server.Given(Request.Create().WithPath(new WireMock.Matchers.WildcardMatcher("/*"))).WithGuid(EchoMapping).AtPriority(int.MaxValue)
            .RespondWith(Response.Create().WithCallback(request => Json(JsonSerializer.Serialize(new { path = request.Path }))));
    }

    private static ResponseMessage Json(string body) => new()
    {
        StatusCode = 200,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json") },
        BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String },
    };

    private IEnumerable<ILogEntry> Entries(string path) => server.LogEntries.Where(e => e.RequestMessage?.Path == path);

    private IEnumerable<IRequestMessage> Requests(string path) =>
        server.LogEntries.Select(e => e.RequestMessage!).Where(r => r.Path == path).OrderBy(r => r.DateTime);

    private static ForwardedRequest Forwarded(IRequestMessage request)
    {
        string? Header(string name) =>
            request.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.ToString();

        var query = request.RawQuery is { Length: > 0 } raw ? "?" + raw.TrimStart('?') : "";
        return new ForwardedRequest(
            request.Method, request.Path + query, Header(InternalIdentityOptions.HeaderName), Header("Authorization"), Header("X-API-Key"),
            Header("X-Request-Id"), request.BodyAsBytes?.LongLength ?? 0);
    }

    public ValueTask DisposeAsync()
    {
        server.Stop();
        server.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record UsageRequest(IReadOnlyList<ApiKeyUsage> Usages);
}
