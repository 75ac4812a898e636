using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Accounting.Postgres;
using Accounting.Postgres.Idempotency;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Accounting.Testing;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Accounting.Platform.Tests;

/// <summary>An app whose handlers write through <see cref="WriteTransactions"/>, with Idempotency-Key on.</summary>
public sealed class IdempotencyApp : IAsyncLifetime
{
    private const string Audience = "idempotency-test";
    private TestDatabase database = null!;
    private WebApplication app = null!;

    /// <summary>Requests to /things/gated wait here until the test releases them.</summary>
    public TaskCompletionSource Gate { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource GateReached { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResetGate()
    {
        Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        GateReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>While set, /things/limited answers a quota 409 and /things/stateful a state 409.</summary>
    public bool Refusing { get; set; }

    public HttpClient CreateClient(string organisationId) => CreateClient(TestIdentity.Caller(organisationId));

    public HttpClient CreateClient(Caller caller)
    {
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        client.DefaultRequestHeaders.Add(InternalIdentityOptions.HeaderName, TestIdentity.Mint(caller, Audience));
        return client;
    }

    public async Task<long> CountThingsAsync(string name)
    {
        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM things WHERE name = @name", new { name });
    }

    /// <summary>Every stored row's columns concatenated, as someone holding a copy of the table would see them.</summary>
    public async Task<byte[]> StoredBytesAsync(string organisationId)
    {
        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        var rows = await connection.QueryAsync<(byte[] KeyHash, byte[] Fingerprint, string? Location, byte[] Body)>(
            "SELECT key_hash, request_fingerprint, response_location, sealed_response_body FROM idempotency_keys WHERE organisation_id = @organisationId",
            new { organisationId });
        return rows.SelectMany(row => row.KeyHash.Concat(row.Fingerprint).Concat(Encoding.UTF8.GetBytes(row.Location ?? "")).Concat(row.Body)).ToArray();
    }

    /// <summary>Ages an organisation's stored responses, then runs one round of the retention job.</summary>
    public async Task<long> AgeAndPurgeAsync(string organisationId, TimeSpan age)
    {
        await using (var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE idempotency_keys SET created_at = created_at - @age WHERE organisation_id = @organisationId", new { age, organisationId });
        }

        return await app.Services.GetServices<IHostedService>().OfType<RetentionJob>().Single().DeleteExpiredAsync(default);
    }

    public async Task<long> CountStoredAsync(string organisationId)
    {
        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE organisation_id = @organisationId", new { organisationId });
    }

    public HttpClient CreateAnonymousClient() => new() { BaseAddress = new Uri(app.Urls.First()) };

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["ConnectionStrings:Postgres"] = database.ConnectionString;
        builder.Configuration["InternalIdentity:VerificationKeyPath"] = TestIdentity.VerificationKeyPath;
        builder.AddServiceDefaults(Audience);
        builder.AddInternalIdentity(Audience);
        builder.AddPostgres(Audience, typeof(IdempotencyApp).Assembly);

        app = builder.Build();
        app.UseServiceDefaults();
        app.UseIdempotency();
        app.MapDefaultEndpoints();
        app.MapPost("/things/public", () => TypedResults.NoContent()).AllowAnonymous();
        app.MapPost("/things", CreateThingAsync);
        app.MapPost("/things/limited", async (Thing thing, WriteTransactions transactions) =>
            Refusing ? ApiError.LimitReached("key_limit_reached", "No room for more things.") : await CreateThingAsync(thing, transactions));
        app.MapPost("/things/stateful", async (Thing thing, WriteTransactions transactions) =>
            Refusing ? ApiError.Conflict("Things are frozen.") : await CreateThingAsync(thing, transactions));
        app.MapPost("/things/gated", async (Thing thing, WriteTransactions transactions) =>
        {
            await using var write = await transactions.BeginAsync(default);
            await write.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (@id, @Name)", new { id = Ids.New("thg"), thing.Name }, write.Transaction);
            GateReached.TrySetResult();
            await Gate.Task;
            await write.CommitAsync(default);
            return TypedResults.Ok(new { thing.Name });
        });
        app.MapPost("/things/crash", async (Thing thing, WriteTransactions transactions) =>
        {
            await using var write = await transactions.BeginAsync(default);
            await write.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (@id, @Name)", new { id = Ids.New("thg"), thing.Name }, write.Transaction);
            await write.CommitAsync(default);
            throw new InvalidOperationException("The process died after the write, before answering.");
        });
        await app.StartAsync();

        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await connection.ExecuteAsync("CREATE TABLE things (id text PRIMARY KEY, name text NOT NULL)");
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await database.DisposeAsync();
    }

    private static async Task<IResult> CreateThingAsync(Thing thing, WriteTransactions transactions)
    {
        var id = Ids.New("thg");
        await using var write = await transactions.BeginAsync(default);
        await write.Connection.ExecuteAsync("INSERT INTO things (id, name) VALUES (@id, @Name)", new { id, thing.Name }, write.Transaction);
        await write.CommitAsync(default);
        return TypedResults.Created($"/things/{id}", new { Id = id, thing.Name });
    }
}

public sealed record Thing(string Name);

public sealed class IdempotencyTests(IdempotencyApp app) : IClassFixture<IdempotencyApp>
{
    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string path, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_retry_while_the_first_request_runs_is_refused_and_then_replayed()
    {
        app.ResetGate();
        using var client = app.CreateClient("org_gated");
        var name = Guid.NewGuid().ToString();

        var first = PostAsync(client, "/things/gated", new { name }, "gated");
        await app.GateReached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        var whileRunning = await PostAsync(client, "/things/gated", new { name }, "gated");
        app.Gate.SetResult();
        var completed = await first;
        var afterwards = await PostAsync(client, "/things/gated", new { name }, "gated");

        whileRunning.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await whileRunning.Content.ReadAsStringAsync()).ShouldContain("\"request_in_progress\"");
        completed.StatusCode.ShouldBe(HttpStatusCode.OK);
        afterwards.StatusCode.ShouldBe(HttpStatusCode.OK);
        afterwards.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await app.CountThingsAsync(name)).ShouldBe(1);
    }

    [Fact]
    public async Task A_request_that_dies_after_writing_leaves_neither_its_write_nor_a_wedged_key()
    {
        using var client = app.CreateClient("org_crash");
        var name = Guid.NewGuid().ToString();

        var crashed = await PostAsync(client, "/things/crash", new { name }, "crash");
        var retried = await PostAsync(client, "/things/crash", new { name }, "crash");

        crashed.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        retried.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        retried.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await app.CountThingsAsync(name)).ShouldBe(0);
    }

    [Fact]
    public async Task Requests_without_a_key_are_not_deduplicated()
    {
        using var client = app.CreateClient("org_plain");
        var name = Guid.NewGuid().ToString();

        await client.PostAsJsonAsync("/things", new { name });
        await client.PostAsJsonAsync("/things", new { name });

        (await app.CountThingsAsync(name)).ShouldBe(2);
    }

    [Fact]
    public async Task A_stored_response_cannot_be_read_without_its_key()
    {
        using var client = app.CreateClient("org_sealed");
        var name = $"secret-{Guid.NewGuid()}";
        var key = Guid.NewGuid().ToString();

        var created = await PostAsync(client, "/things", new { name }, key);
        var replayed = await PostAsync(client, "/things", new { name }, key);

        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        replayed.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await replayed.Content.ReadAsStringAsync()).ShouldBe(await created.Content.ReadAsStringAsync());
        var stored = Encoding.UTF8.GetString(await app.StoredBytesAsync("org_sealed"));
        stored.ShouldNotBeEmpty();
        stored.ShouldNotContain(name);
        stored.ShouldNotContain(key);
    }

    [Fact]
    public async Task The_same_key_in_another_organisation_is_another_key()
    {
        using var first = app.CreateClient("org_first");
        using var second = app.CreateClient("org_second");
        var name = Guid.NewGuid().ToString();

        var mine = await PostAsync(first, "/things", new { name }, "shared-key");
        var theirs = await PostAsync(second, "/things", new { name }, "shared-key");

        mine.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await app.CountThingsAsync(name)).ShouldBe(2);
    }

    [Theory]
    [InlineData(PrincipalType.User, "usr_second")]
    [InlineData(PrincipalType.ApiKey, "key_second")]
    [InlineData(PrincipalType.ApiKey, "usr_first")]
    public async Task Another_principals_idempotency_key_never_replays_their_response(PrincipalType otherType, string otherId)
    {
        var organisation = $"org_{Guid.NewGuid():N}";
        using var first = app.CreateClient(new Caller(organisation, "usr_first", PrincipalType.User, "owner", new HashSet<string>()));
        using var other = app.CreateClient(new Caller(organisation, otherId, otherType, "owner", new HashSet<string>()));
        var name = Guid.NewGuid().ToString();

        var mine = await PostAsync(first, "/things", new { name }, "their-key");
        var theirs = await PostAsync(other, "/things", new { name }, "their-key");
        var myRetry = await PostAsync(first, "/things", new { name }, "their-key");

        mine.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await theirs.Content.ReadAsStringAsync()).ShouldNotBe(await mine.Content.ReadAsStringAsync());
        myRetry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await myRetry.Content.ReadAsStringAsync()).ShouldBe(await mine.Content.ReadAsStringAsync());
        (await app.CountThingsAsync(name)).ShouldBe(2);
    }

    [Fact]
    public async Task A_quota_refusal_is_not_replayed_so_a_retry_after_it_clears_runs()
    {
        using var client = app.CreateClient($"org_{Guid.NewGuid():N}");
        var name = Guid.NewGuid().ToString();

        app.Refusing = true;
        var refused = await PostAsync(client, "/things/limited", new { name }, "quota");
        app.Refusing = false;
        var retried = await PostAsync(client, "/things/limited", new { name }, "quota");

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("\"key_limit_reached\"");
        retried.StatusCode.ShouldBe(HttpStatusCode.Created);
        retried.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await app.CountThingsAsync(name)).ShouldBe(1);
    }

    [Fact]
    public async Task A_state_conflict_is_final_and_replayed()
    {
        using var client = app.CreateClient($"org_{Guid.NewGuid():N}");
        var name = Guid.NewGuid().ToString();

        app.Refusing = true;
        var refused = await PostAsync(client, "/things/stateful", new { name }, "state");
        app.Refusing = false;
        var retried = await PostAsync(client, "/things/stateful", new { name }, "state");

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        retried.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        retried.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await app.CountThingsAsync(name)).ShouldBe(0);
    }

    [Fact]
    public async Task Stored_responses_older_than_24_hours_are_purged_and_younger_ones_kept()
    {
        var expired = $"org_{Guid.NewGuid():N}";
        var fresh = $"org_{Guid.NewGuid():N}";
        using (var client = app.CreateClient(expired))
        {
            await PostAsync(client, "/things", new { name = "old" }, "old");
        }

        using (var client = app.CreateClient(fresh))
        {
            await PostAsync(client, "/things", new { name = "new" }, "new");
        }

        await app.AgeAndPurgeAsync(expired, TimeSpan.FromHours(25));
        await app.AgeAndPurgeAsync(fresh, TimeSpan.FromHours(23));

        (await app.CountStoredAsync(expired)).ShouldBe(0);
        (await app.CountStoredAsync(fresh)).ShouldBe(1);
    }

    [Fact]
    public async Task The_api_reference_declares_the_key_on_posts_that_take_it()
    {
        using var client = app.CreateAnonymousClient();

        var paths = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");

        static IEnumerable<string?> HeadersOf(JsonElement operation) =>
            operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "header").Select(p => p.GetProperty("name").GetString())
                : [];
        HeadersOf(paths.GetProperty("/things").GetProperty("post")).ShouldContain("Idempotency-Key");
        HeadersOf(paths.GetProperty("/things/public").GetProperty("post")).ShouldNotContain("Idempotency-Key");
    }
}
