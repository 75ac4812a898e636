using Accounting.Contracts.Ledger;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Dapper;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Endpoints;

public sealed record CreateContactRequest(string? Type, string? Name, string? Email, string? Phone, string? Address, string? VatNumber);

public sealed record UpdateContactRequest(string? Type, string? Name, string? Email, string? Phone, string? Address, string? VatNumber);

public sealed record ContactView(
    string Id, string Type, string Name, string? Email, string? Phone, string? Address, string? VatNumber, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

internal static class ContactRules
{
    public static readonly string[] Types = ["customer", "supplier"];

    public static void Apply<T>(AbstractValidator<T> validator, Func<T, string?> type, Func<T, string?> email, Func<T, string?> phone, Func<T, string?> address, Func<T, string?> vatNumber)
    {
        validator.RuleFor(r => type(r)).Must(t => t is null || Types.Contains(t, StringComparer.Ordinal))
            .WithMessage("type must be customer or supplier.").OverridePropertyName("type");
        validator.RuleFor(r => email(r)).MaximumLength(254).EmailAddress().OverridePropertyName("email");
        validator.RuleFor(r => phone(r)).MaximumLength(50).OverridePropertyName("phone");
        validator.RuleFor(r => address(r)).MaximumLength(1000).OverridePropertyName("address");
        validator.RuleFor(r => vatNumber(r)).MaximumLength(20).OverridePropertyName("vat_number");
    }
}

public sealed class CreateContactValidator : AbstractValidator<CreateContactRequest>
{
    public CreateContactValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Type).NotEmpty();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        ContactRules.Apply(this, r => r.Type, r => r.Email, r => r.Phone, r => r.Address, r => r.VatNumber);
    }
}

public sealed class UpdateContactValidator : AbstractValidator<UpdateContactRequest>
{
    public UpdateContactValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).When(r => r.Name is not null);
        ContactRules.Apply(this, r => r.Type, r => r.Email, r => r.Phone, r => r.Address, r => r.VatNumber);
    }
}

/// <summary>Customers and suppliers (contract §5); <c>/customers</c> and <c>/vendors</c> are the list filtered by type.</summary>
public static class ContactEndpoints
{
    private const string Columns = "id, type, name, email, phone, address, vat_number, created_at, updated_at";

    public static IEndpointRouteBuilder MapContactEndpoints(this IEndpointRouteBuilder app)
    {
        var contacts = app.MapGroup("/api/v1/contacts");
        contacts.MapGet("/", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            var filters = new QueryFilters(request, "type", "q");
            var type = filters.OneOf("type", ContactRules.Types);
            filters.ThrowIfInvalid();
            return List(caller, page, type, request.Query["q"].ToString(), db, cancellationToken);
        }).RequireScope("contacts:read").WithName("listContacts");
        contacts.MapGet("/customers", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            new QueryFilters(request, "q").ThrowIfInvalid();
            return List(caller, page, "customer", request.Query["q"].ToString(), db, cancellationToken);
        }).RequireScope("contacts:read").WithName("listCustomers");
        contacts.MapGet("/vendors", (HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            new QueryFilters(request, "q").ThrowIfInvalid();
            return List(caller, page, "supplier", request.Query["q"].ToString(), db, cancellationToken);
        }).RequireScope("contacts:read").WithName("listVendors");
        contacts.MapPost("/", Create).RequireScope("contacts:write").Validate<CreateContactRequest>().WithName("createContact");
        contacts.MapGet("/{id}", Get).RequireScope("contacts:read").WithName("getContact");
        contacts.MapPatch("/{id}", Update).RequireScope("contacts:write").Validate<UpdateContactRequest>().WithName("updateContact");
        contacts.MapDelete("/{id}", Delete).RequireScope("contacts:write").WithName("deleteContact");
        return app;
    }

    private static async Task<Ok<Page<ContactView>>> List(Caller caller, PageRequest page, string? type, string search, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        const string Where = """
            organisation_id = @OrganisationId AND deleted_at IS NULL AND (@Type::text IS NULL OR type = @Type)
            AND (@Search = '' OR name ILIKE '%' || @Search || '%' OR email ILIKE '%' || @Search || '%')
            """;
        var parameters = new { caller.OrganisationId, Type = type, Search = search.Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal), page.Limit, page.Offset };
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var contacts = (await connection.QueryAsync<ContactView>(new CommandDefinition(
            $"SELECT {Columns} FROM contacts WHERE {Where} ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset", parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM contacts WHERE {Where}", parameters, cancellationToken: cancellationToken));
        return TypedResults.Ok(Page.Of(contacts, page, total));
    }

    private static async Task<Created<ContactView>> Create(CreateContactRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        var caller = writes.Caller;
        var now = writes.Clock.GetUtcNow();
        var contact = new ContactView(Ids.New("ct"), request.Type!, request.Name!.Trim(), request.Email, request.Phone, request.Address, request.VatNumber, now, now);
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        await write.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO contacts (id, organisation_id, type, name, email, phone, address, vat_number, created_at, updated_at)
            VALUES (@Id, @OrganisationId, @Type, @Name, @Email, @Phone, @Address, @VatNumber, @CreatedAt, @UpdatedAt)
            """,
            new { contact.Id, caller.OrganisationId, contact.Type, contact.Name, contact.Email, contact.Phone, contact.Address, contact.VatNumber, contact.CreatedAt, contact.UpdatedAt },
            write.Transaction, cancellationToken: cancellationToken));
        await Outbox.EnqueueAsync(write.Transaction, new ContactCreated
        {
            OrganisationId = caller.OrganisationId,
            OccurredAt = now,
            Id = contact.Id,
            Type = contact.Type,
            Name = contact.Name,
            Email = contact.Email,
            VatNumber = contact.VatNumber,
        }, contact.Id, cancellationToken);
        await write.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/contacts/{contact.Id}", contact);
    }

    private static async Task<Results<Ok<ContactView>, ApiError>> Get(string id, Caller caller, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var contact = await connection.QuerySingleOrDefaultAsync<ContactView>(new CommandDefinition(
            $"SELECT {Columns} FROM contacts WHERE id = @Id AND organisation_id = @OrganisationId AND deleted_at IS NULL",
            new { Id = id, caller.OrganisationId }, cancellationToken: cancellationToken));
        return contact is null ? ApiError.NotFound("No such contact in this organisation.") : TypedResults.Ok(contact);
    }

    private static async Task<Results<Ok<ContactView>, ApiError>> Update(
        string id, UpdateContactRequest request, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        var caller = writes.Caller;
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var contact = await write.Connection.QuerySingleOrDefaultAsync<ContactView>(new CommandDefinition(
            $"""
            UPDATE contacts SET type = coalesce(@Type, type), name = coalesce(@Name, name), email = coalesce(@Email, email),
                phone = coalesce(@Phone, phone), address = coalesce(@Address, address), vat_number = coalesce(@VatNumber, vat_number), updated_at = @Now
            WHERE id = @Id AND organisation_id = @OrganisationId AND deleted_at IS NULL
            RETURNING {Columns}
            """,
            new { Id = id, caller.OrganisationId, request.Type, Name = request.Name?.Trim(), request.Email, request.Phone, request.Address, request.VatNumber, Now = writes.Clock.GetUtcNow() },
            write.Transaction, cancellationToken: cancellationToken));
        if (contact is null)
        {
            return ApiError.NotFound("No such contact in this organisation.");
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.Ok(contact);
    }

    /// <summary>Deleting hides the contact; invoices and bills that name it keep their history.</summary>
    private static async Task<Results<NoContent, ApiError>> Delete(string id, [AsParameters] Writes writes, CancellationToken cancellationToken)
    {
        await using var write = await writes.Transactions.BeginAsync(cancellationToken);
        var deleted = await write.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE contacts SET deleted_at = @Now WHERE id = @Id AND organisation_id = @OrganisationId AND deleted_at IS NULL",
            new { Id = id, writes.Caller.OrganisationId, Now = writes.Clock.GetUtcNow() }, write.Transaction, cancellationToken: cancellationToken));
        if (deleted == 0)
        {
            return ApiError.NotFound("No such contact in this organisation.");
        }

        await write.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
