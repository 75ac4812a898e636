using Accounting.Contracts.Auth;
using Accounting.Ledger.Organisations;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Chart;

/// <summary>Accounts the ledger posts to by itself, found by role rather than by a code the user may change.</summary>
public static class SystemRoles
{
    public const string Bank = "bank";
    public const string Receivables = "receivables";
    public const string Payables = "payables";
    public const string Vat = "vat";
    public const string Sales = "sales";
    public const string Purchases = "purchases";
    public const string RetainedEarnings = "retained_earnings";
}

internal sealed record DefaultAccount(string Code, string Name, string Type, string Subtype, string? SystemRole = null);

internal sealed record DefaultCategory(string Slug, string Name, string AccountCode, IReadOnlyList<DefaultCategory>? Subcategories = null);

/// <summary>
/// The UK small-business chart every new organisation starts with (codes in the style UK
/// accountants know from Xero and Sage), and transaction categories mapped onto it.
/// </summary>
public static class DefaultChart
{
    private static readonly DefaultAccount[] Accounts =
    [
        new("090", "Business Bank Account", "asset", "bank", SystemRoles.Bank),
        new("610", "Trade Debtors", "asset", "current_asset", SystemRoles.Receivables),
        new("620", "Prepayments", "asset", "current_asset"),
        new("630", "Stock", "asset", "current_asset"),
        new("710", "Office Equipment", "asset", "fixed_asset"),
        new("720", "Computer Equipment", "asset", "fixed_asset"),
        new("800", "Trade Creditors", "liability", "current_liability", SystemRoles.Payables),
        new("820", "VAT", "liability", "current_liability", SystemRoles.Vat),
        new("825", "PAYE and NIC Payable", "liability", "current_liability"),
        new("830", "Corporation Tax", "liability", "current_liability"),
        new("900", "Loans", "liability", "non_current_liability"),
        new("950", "Share Capital", "equity", "equity"),
        new("960", "Retained Earnings", "equity", "retained_earnings", SystemRoles.RetainedEarnings),
        new("970", "Owner Funds Introduced", "equity", "equity"),
        new("980", "Owner Drawings", "equity", "equity"),
        new("200", "Sales", "income", "revenue", SystemRoles.Sales),
        new("260", "Other Revenue", "income", "other_income"),
        new("270", "Interest Income", "income", "other_income"),
        new("310", "Cost of Sales", "expense", "direct_costs", SystemRoles.Purchases),
        new("400", "Advertising and Marketing", "expense", "overhead"),
        new("404", "Bank Charges", "expense", "overhead"),
        new("412", "Accountancy and Legal Fees", "expense", "overhead"),
        new("420", "Entertainment", "expense", "overhead"),
        new("429", "General Expenses", "expense", "overhead"),
        new("433", "Insurance", "expense", "overhead"),
        new("445", "Light, Power and Heating", "expense", "overhead"),
        new("461", "Printing and Stationery", "expense", "overhead"),
        new("469", "Rent and Rates", "expense", "overhead"),
        new("473", "Repairs and Maintenance", "expense", "overhead"),
        new("477", "Wages and Salaries", "expense", "overhead"),
        new("485", "Software and Subscriptions", "expense", "overhead"),
        new("489", "Telephone and Internet", "expense", "overhead"),
        new("493", "Travel", "expense", "overhead"),
        new("497", "Motor Expenses", "expense", "overhead"),
    ];

    private static readonly DefaultCategory[] Categories =
    [
        new("income", "Income", "200", [new("sales", "Sales", "200"), new("other_income", "Other income", "260"), new("interest_received", "Interest received", "270")]),
        new("cost_of_sales", "Cost of sales", "310", [new("stock_purchases", "Stock and materials", "310"), new("subcontractors", "Subcontractors", "310")]),
        new("office", "Office and admin", "429", [
            new("software", "Software & Subscriptions", "485"), new("stationery", "Printing and stationery", "461"),
            new("telephone", "Telephone and internet", "489"), new("equipment", "Equipment", "720")]),
        new("premises", "Premises", "469", [new("rent", "Rent and rates", "469"), new("utilities", "Utilities", "445"), new("repairs", "Repairs and maintenance", "473")]),
        new("travel", "Travel", "493", [new("travel_transport", "Trains, flights and taxis", "493"), new("motor", "Motor expenses", "497"), new("subsistence", "Subsistence", "493")]),
        new("professional_fees", "Professional fees", "412", [new("accountancy", "Accountancy", "412"), new("legal", "Legal", "412")]),
        new("marketing", "Marketing", "400", [new("advertising", "Advertising", "400"), new("entertainment", "Client entertainment", "420")]),
        new("staff", "Staff", "477", [new("wages", "Wages and salaries", "477"), new("paye", "PAYE and NIC", "825")]),
        new("finance", "Finance", "404", [new("bank_charges", "Bank charges", "404"), new("insurance", "Insurance", "433"), new("loan_repayments", "Loan repayments", "900")]),
        new("tax", "Tax", "820", [new("vat_payments", "VAT payments", "820"), new("corporation_tax", "Corporation tax", "830")]),
        new("owner", "Owner", "970", [new("funds_introduced", "Funds introduced", "970"), new("drawings", "Drawings", "980")]),
    ];

    /// <summary>
    /// Seeds the default chart and categories of one organisation. Safe to run any number of
    /// times, concurrently too: every insert skips what already exists.
    /// </summary>
    public static async Task SeedAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var connection = transaction.Connection!;
        await EnsureOrganisationAsync(transaction, organisationId, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO accounts (id, organisation_id, code, name, type, subtype, system_role)
            SELECT a.id, @OrganisationId, a.code, a.name, a.type, a.subtype, a.system_role
            FROM unnest(@Ids, @Codes, @Names, @Types, @Subtypes, @Roles) AS a(id, code, name, type, subtype, system_role)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                OrganisationId = organisationId,
                Ids = Accounts.Select(_ => Ids.New("acc")).ToArray(),
                Codes = Accounts.Select(a => a.Code).ToArray(),
                Names = Accounts.Select(a => a.Name).ToArray(),
                Types = Accounts.Select(a => a.Type).ToArray(),
                Subtypes = Accounts.Select(a => a.Subtype).ToArray(),
                Roles = Accounts.Select(a => a.SystemRole).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));

        var position = 0;
        foreach (var category in Categories)
        {
            await InsertCategoryAsync(transaction, organisationId, category, null, position++, cancellationToken);
            foreach (var subcategory in category.Subcategories ?? [])
            {
                await InsertCategoryAsync(transaction, organisationId, subcategory, category.Slug, position++, cancellationToken);
            }
        }
    }

    /// <summary>The organisation's ledger row, which postings lock to read the closed period.</summary>
    public static Task EnsureOrganisationAsync(NpgsqlTransaction transaction, string organisationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ledger_organisations (organisation_id) VALUES (@OrganisationId) ON CONFLICT DO NOTHING",
            new { OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
    }

    private static async Task InsertCategoryAsync(
        NpgsqlTransaction transaction, string organisationId, DefaultCategory category, string? parentSlug, int position, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO categories (id, organisation_id, slug, parent_id, name, account_id, position)
            SELECT @Id, @OrganisationId, @Slug,
                   (SELECT id FROM categories WHERE organisation_id = @OrganisationId AND slug = @ParentSlug),
                   @Name, a.id, @Position
            FROM accounts a WHERE a.organisation_id = @OrganisationId AND a.code = @AccountCode
            ON CONFLICT DO NOTHING
            """,
            new { Id = Ids.New("cat"), OrganisationId = organisationId, category.Slug, ParentSlug = parentSlug, category.Name, category.AccountCode, Position = position },
            transaction, cancellationToken: cancellationToken));
}

/// <summary>
/// Every new organisation gets the default chart and the first copy of its settings as soon as
/// auth announces it: one queue for the event, one transaction for both effects.
/// </summary>
public sealed class OrganisationCreatedConsumer(NpgsqlDataSource dataSource) : IdempotentConsumer<OrganisationCreated>(dataSource)
{
    protected override async Task HandleAsync(OrganisationCreated message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await DefaultChart.SeedAsync(transaction, message.OrganisationId, cancellationToken);
        await OrganisationSettingsStore.ApplyAsync(
            transaction, message.OrganisationId, message.Settings ?? OrganisationSettings.Defaults, message.Version, cancellationToken);
    }
}
