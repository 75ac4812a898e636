using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Accounting.Webhooks.Dispatch;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accounting.Webhooks.Endpoints;

public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description);

public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Description, bool? Enabled);

public sealed record WebhookView(
    string Id, string Url, string? Description, string[] Events, bool Enabled, string? DisabledReason, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An endpoint with its signing secret: the answer to a creation or a rotation, the only times the secret is shown.</summary>
public sealed record WebhookWithSecretView(
    string Id, string Url, string? Description, string[] Events, bool Enabled, string? DisabledReason, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string Secret)
{
    public static WebhookWithSecretView Of(WebhookView view, string secret)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(view.Id, view.Url, view.Description, view.Events, view.Enabled, view.DisabledReason, view.CreatedAt, view.UpdatedAt, secret);
    }
}

/// <summary>The rules an endpoint's fields follow, whether created or updated.</summary>
internal static class WebhookRules
{
    public const string AllEvents = "*";
    public const int MaxUrlLength = 2048;
    public const int MaxDescriptionLength = 500;

    public static void Url<T>(IRuleBuilderInitial<T, string?> rule, TargetGuard guard) =>
        rule.Cascade(CascadeMode.Stop).NotEmpty().MaximumLength(MaxUrlLength).CustomAsync(async (url, context, cancellationToken) =>
        {
            if (await guard.ProblemWithAsync(url!, cancellationToken) is { } problem)
            {
                context.AddFailure(problem);
            }
        });

    public const string NoEvents = "events must name at least one event, or be [\"*\"] for every event.";

    public static bool IsKnownEvent(EventCatalog catalog, string? name) => name is not null && (name == AllEvents || catalog.Names.Contains(name));

    public static string UnknownEvent(string name) => $"'{name}' is not an event. Use names such as invoice.paid, or \"*\" for every event.";

    /// <summary>Sorted and without repeats; <c>*</c> alone stands for everything.</summary>
    public static string[] Normalise(IEnumerable<string> events)
    {
        var distinct = events.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        return distinct.Contains(AllEvents) ? [AllEvents] : distinct;
    }
}

public sealed class CreateWebhookValidator : AbstractValidator<CreateWebhookRequest>
{
    public CreateWebhookValidator(TargetGuard guard, EventCatalog catalog)
    {
        WebhookRules.Url(RuleFor(r => r.Url), guard);
        RuleFor(r => r.Events).NotEmpty().WithMessage(WebhookRules.NoEvents);
        RuleForEach(r => r.Events).Must(name => WebhookRules.IsKnownEvent(catalog, name)).WithMessage((_, name) => WebhookRules.UnknownEvent(name));
        RuleFor(r => r.Description).MaximumLength(WebhookRules.MaxDescriptionLength);
    }
}

public sealed class UpdateWebhookValidator : AbstractValidator<UpdateWebhookRequest>
{
    public UpdateWebhookValidator(TargetGuard guard, EventCatalog catalog)
    {
        When(r => r.Url is not null, () => WebhookRules.Url(RuleFor(r => r.Url), guard));
        When(r => r.Events is not null, () =>
        {
            RuleFor(r => r.Events).NotEmpty().WithMessage(WebhookRules.NoEvents);
            RuleForEach(r => r.Events).Must(name => WebhookRules.IsKnownEvent(catalog, name)).WithMessage((_, name) => WebhookRules.UnknownEvent(name));
        });
        RuleFor(r => r.Description).MaximumLength(WebhookRules.MaxDescriptionLength);
    }
}

public sealed record WebhookServices(WriteTransactions Transactions, EndpointSecrets Secrets, IOptions<WebhooksOptions> Options, TimeProvider Clock);

/// <summary>Webhook endpoints of contract §7: each organisation manages its own, with the <c>webhooks</c> scope.</summary>
public static class WebhookEndpoints
{
    internal const string Columns = "id, url, description, events, enabled, disabled_reason, created_at, updated_at";

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup("/api/v1/webhooks");
        webhooks.MapGet("/", List).RequireScope("webhooks:read");
        webhooks.MapPost("/", Create).RequireScope("webhooks:write").Validate<CreateWebhookRequest>();
        webhooks.MapGet("/{id}", Get).RequireScope("webhooks:read");
        webhooks.MapPatch("/{id}", Update).RequireScope("webhooks:write").Validate<UpdateWebhookRequest>();
        webhooks.MapDelete("/{id}", Delete).RequireScope("webhooks:write");
        webhooks.MapPost("/{id}/rotate-secret", RotateSecret).RequireScope("webhooks:write");
        webhooks.MapPost("/{id}/test", SendTest).RequireScope("webhooks:write");
        return app;
    }

    internal static ApiError NoSuchWebhook() => ApiError.NotFound("No such webhook endpoint in this organisation.");

    private static async Task<Ok<Page<WebhookView>>> List(Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var webhooks = (await connection.QueryAsync<WebhookView>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM webhook_endpoints WHERE organisation_id = @OrganisationId
            ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset
            """,
            new { caller.OrganisationId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM webhook_endpoints WHERE organisation_id = @OrganisationId",
            new { caller.OrganisationId }, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(webhooks, page, total));
    }

    private static async Task<Results<Created<WebhookWithSecretView>, ApiError>> Create(
        CreateWebhookRequest request, Caller caller, [AsParameters] WebhookServices services, CancellationToken cancellationToken)
    {
        var now = services.Clock.GetUtcNow();
        var secret = WebhookSignature.NewSecret();
        var webhook = new WebhookView(
            Ids.New("whk"), request.Url!.Trim(), NullIfBlank(request.Description), WebhookRules.Normalise(request.Events!), true, null, now, now);

        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        // Serialises the organisation's concurrent creations, so the limit cannot be overrun.
        await write.Connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended(@OrganisationId, 0))", new { caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        var existing = await write.Connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM webhook_endpoints WHERE organisation_id = @OrganisationId",
            new { caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (existing >= services.Options.Value.MaxEndpointsPerOrganisation)
        {
            return ApiError.LimitReached(
                "endpoint_limit_reached", $"This organisation already has {existing} webhook endpoints, the most allowed. Delete one first.");
        }

        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO webhook_endpoints (id, organisation_id, url, description, events, sealed_secret, created_at, updated_at)
            VALUES (@Id, @OrganisationId, @Url, @Description, @Events, @SealedSecret, @CreatedAt, @UpdatedAt)
            """,
            new { webhook.Id, caller.OrganisationId, webhook.Url, webhook.Description, webhook.Events, SealedSecret = services.Secrets.Seal(webhook.Id, secret), webhook.CreatedAt, webhook.UpdatedAt },
            write.Transaction, cancellationToken: cancellationToken));
        await write.CommitAsync(cancellationToken);

        return TypedResults.Created($"/api/v1/webhooks/{webhook.Id}", WebhookWithSecretView.Of(webhook, secret));
    }

    private static async Task<Results<Ok<WebhookView>, ApiError>> Get(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var webhook = await connection.QuerySingleOrDefaultAsync<WebhookView>(new CommandDefinition(
            $"SELECT {Columns} FROM webhook_endpoints WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = id, caller.OrganisationId }, cancellationToken: cancellationToken));
        return webhook is null ? NoSuchWebhook() : TypedResults.Ok(webhook);
    }

    private static async Task<Results<Ok<WebhookView>, ApiError>> Update(
        string id, UpdateWebhookRequest request, Caller caller, [AsParameters] WebhookServices services, CancellationToken cancellationToken)
    {
        // Only the fields sent change. Enabling clears the failure record, so the endpoint gets a fresh start.
        var assignments = new List<string> { "updated_at = @Now" };
        if (request.Url is not null)
        {
            assignments.Add("url = @Url");
        }

        if (request.Events is not null)
        {
            assignments.Add("events = @Events");
        }

        if (request.Description is not null)
        {
            assignments.Add("description = @Description");
        }

        if (request.Enabled is { } enabled)
        {
            assignments.Add(enabled
                ? "enabled = true, disabled_reason = NULL, failing_since = NULL"
                : "enabled = false, disabled_reason = 'Disabled through the API.'");
        }

        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var webhook = await write.Connection.QuerySingleOrDefaultAsync<WebhookView>(new CommandDefinition(
            $"""
            UPDATE webhook_endpoints SET {string.Join(", ", assignments)}
            WHERE id = @Id AND organisation_id = @OrganisationId
            RETURNING {Columns}
            """,
            new
            {
                Url = request.Url?.Trim() ?? "",
                Events = request.Events is null ? [] : WebhookRules.Normalise(request.Events),
                Description = NullIfBlank(request.Description),
                Now = services.Clock.GetUtcNow(),
                Id = id,
                caller.OrganisationId,
            },
            write.Transaction, cancellationToken: cancellationToken));
        if (webhook is null)
        {
            return NoSuchWebhook();
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(webhook);
    }

    private static async Task<Results<NoContent, ApiError>> Delete(string id, Caller caller, WriteTransactions transactions, CancellationToken cancellationToken)
    {
        await using var write = await transactions.BeginAsync(cancellationToken);
        var deleted = await write.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM webhook_endpoints WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return NoSuchWebhook();
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<WebhookWithSecretView>, ApiError>> RotateSecret(
        string id, Caller caller, [AsParameters] WebhookServices services, CancellationToken cancellationToken)
    {
        var now = services.Clock.GetUtcNow();
        var secret = WebhookSignature.NewSecret();
        await using var write = await services.Transactions.BeginAsync(cancellationToken);
        var webhook = await write.Connection.QuerySingleOrDefaultAsync<WebhookView>(new CommandDefinition(
            $"""
            UPDATE webhook_endpoints
            SET sealed_previous_secret = sealed_secret, previous_secret_expires_at = @PreviousExpiresAt, sealed_secret = @SealedSecret, updated_at = @Now
            WHERE id = @Id AND organisation_id = @OrganisationId
            RETURNING {Columns}
            """,
            new { PreviousExpiresAt = now + services.Options.Value.PreviousSecretLifetime, SealedSecret = services.Secrets.Seal(id, secret), Now = now, Id = id, caller.OrganisationId },
            write.Transaction, cancellationToken: cancellationToken));
        if (webhook is null)
        {
            return NoSuchWebhook();
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(WebhookWithSecretView.Of(webhook, secret));
    }

    private static async Task<Results<Accepted<DeliveryView>, ApiError>> SendTest(string id, Caller caller, WriteTransactions transactions, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var write = await transactions.BeginAsync(cancellationToken);
        var enabled = await write.Connection.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(
            "SELECT enabled FROM webhook_endpoints WHERE id = @Id AND organisation_id = @OrganisationId",
            new { Id = id, caller.OrganisationId }, write.Transaction, cancellationToken: cancellationToken));
        if (enabled is null)
        {
            return NoSuchWebhook();
        }

        if (enabled == false)
        {
            return ApiError.Conflict("The endpoint is disabled. Enable it before sending a test event.");
        }

        var eventId = Ids.New("evt");
        var deliveryId = await DeliveryStore.EnqueueAsync(
            write.Transaction, caller.OrganisationId, id, WebhookPayload.PingEvent, eventId, WebhookPayload.Ping(eventId, id, now, caller.OrganisationId), now, cancellationToken);
        var delivery = await DeliveryEndpoints.FindAsync(write.Connection, write.Transaction, caller.OrganisationId, id, deliveryId, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/v1/webhooks/{id}/deliveries/{deliveryId}", delivery);
    }

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
