using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Accounting.Gateway.Authentication;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Gateway.Tests;

/// <summary>What a service behind the gateway received.</summary>
public sealed record ForwardedRequest(
    string Method, string Path, string? InternalIdentity, string? Authorization, string? ApiKey, string? RequestId, long BodyLength);

/// <summary>
/// A Kestrel server on a free loopback port standing in for all four services: auth's internal
/// key resolution and JWKS answered from what the test set up, every other path echoed.
/// </summary>
public sealed class StubUpstream : IAsyncDisposable
{
    private readonly WebApplication app;
    private int resolutions;
    private int jwksFetches;
    private int requestLogBatches;
    private int refuseRequestLogWith;

    private StubUpstream(WebApplication app) => this.app = app;

    public Uri Address => LoopbackServer.AddressOf(app);

    public ConcurrentDictionary<string, ResolvedApiKey> Keys { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<ForwardedRequest> Received { get; } = new();

    public ConcurrentQueue<ApiKeyUsage> Usages { get; } = new();

    public TestSigningKeys Jwks { get; } = new();

    /// <summary>Request-log entries auth accepted, as the gateway serialised them.</summary>
    public ConcurrentQueue<JsonElement> LoggedRequests { get; } = new();

    /// <summary>Request-log batches the gateway sent, accepted or not.</summary>
    public int RequestLogBatches => Volatile.Read(ref requestLogBatches);

    /// <summary>A status other than 0 makes auth refuse every request-log batch with it.</summary>
    public int RefuseRequestLogWith
    {
        get => Volatile.Read(ref refuseRequestLogWith);
        set => Volatile.Write(ref refuseRequestLogWith, value);
    }

    public int Resolutions => Volatile.Read(ref resolutions);

    public int JwksFetches => Volatile.Read(ref jwksFetches);

    public static async Task<StubUpstream> StartAsync()
    {
        var builder = LoopbackServer.CreateBuilder();
        builder.Services.ConfigureHttpJsonOptions(options => JsonDefaults.Apply(options.SerializerOptions));
        var app = builder.Build();
        var stub = new StubUpstream(app);
        stub.Map();
        await app.StartAsync();
        return stub;
    }

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
        app.MapPost("/internal/api-keys/resolve", (ResolveRequest request) =>
        {
            Interlocked.Increment(ref resolutions);
            return Keys.TryGetValue(request.KeyHash, out var key) ? Results.Ok(key) : Results.NotFound();
        });
        app.MapPost("/internal/api-keys/usage", (UsageRequest request) =>
        {
            foreach (var usage in request.Usages)
            {
                Usages.Enqueue(usage);
            }

            return Results.NoContent();
        });
        app.MapPost("/internal/request-log", (JsonElement batch) =>
        {
            Interlocked.Increment(ref requestLogBatches);
            if (RefuseRequestLogWith != 0)
            {
                return Results.StatusCode(RefuseRequestLogWith);
            }

            foreach (var entry in batch.GetProperty("entries").EnumerateArray())
            {
                LoggedRequests.Enqueue(entry.Clone());
            }

            return Results.NoContent();
        });
        app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref jwksFetches);
            return Results.Text(Jwks.Document, "application/json");
        });
        app.MapGet("/openapi/v1.json", () => Results.Text(
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
            """,
            "application/json"));
        app.Map("/{**path}", async (HttpContext context) =>
        {
            var length = 0L;
            var buffer = new byte[81920];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }

            var headers = context.Request.Headers;
            Received.Enqueue(new ForwardedRequest(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                Header(headers, InternalIdentityOptions.HeaderName),
                Header(headers, "Authorization"),
                Header(headers, "X-API-Key"),
                Header(headers, "X-Request-Id"),
                length));
            return Results.Json(new { path = context.Request.Path.Value }, statusCode: (int)HttpStatusCode.OK);
        });
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var value) ? value.ToString() : null;

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private sealed record ResolveRequest(string KeyHash);

    private sealed record UsageRequest(IReadOnlyList<ApiKeyUsage> Usages);
}
