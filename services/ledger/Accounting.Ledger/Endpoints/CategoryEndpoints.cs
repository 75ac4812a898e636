using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Accounting.Ledger.Endpoints;

public sealed record SubcategoryView(string Id, string Name, string AccountId);

public sealed record CategoryView(string Id, string Name, string AccountId, IReadOnlyList<SubcategoryView> Subcategories);

/// <summary>Transaction categories (contract §5), each mapped to the account a categorised bank transaction posts to.</summary>
public static class CategoryEndpoints
{
    private sealed record CategoryRow(string Id, string? ParentId, string Name, string AccountId);

    public static IEndpointRouteBuilder MapCategoryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/categories", List).RequireScope("transactions:read").WithName("listCategories");
        return app;
    }

    private static async Task<Ok<Page<CategoryView>>> List(HttpRequest request, Caller caller, PageRequest page, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        new QueryFilters(request).ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var parents = (await connection.QueryAsync<CategoryRow>(new CommandDefinition(
            """
            SELECT id, parent_id, name, account_id FROM categories WHERE organisation_id = @OrganisationId AND parent_id IS NULL
            ORDER BY position LIMIT @Limit OFFSET @Offset
            """,
            new { caller.OrganisationId, page.Limit, page.Offset }, cancellationToken: cancellationToken))).AsList();
        var children = (await connection.QueryAsync<CategoryRow>(new CommandDefinition(
            "SELECT id, parent_id, name, account_id FROM categories WHERE organisation_id = @OrganisationId AND parent_id = ANY(@ParentIds) ORDER BY position",
            new { caller.OrganisationId, ParentIds = parents.Select(p => p.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(c => c.ParentId!, StringComparer.Ordinal);
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM categories WHERE organisation_id = @OrganisationId AND parent_id IS NULL", new { caller.OrganisationId }, cancellationToken: cancellationToken));
        IReadOnlyList<CategoryView> categories = [.. parents.Select(p => new CategoryView(
            p.Id, p.Name, p.AccountId, [.. children[p.Id].Select(c => new SubcategoryView(c.Id, c.Name, c.AccountId))]))];
        return TypedResults.Ok(Page.Of(categories, page, total));
    }
}
