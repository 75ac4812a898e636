using Accounting.Contracts;
using Accounting.Contracts.Ledger;
using Accounting.Ledger.Banking;
using Accounting.Ledger.Chart;
using Accounting.Ledger.Posting;
using Accounting.Messaging;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults.Identity;
using Dapper;
using Npgsql;

namespace Accounting.Ledger.Trade;

internal sealed record DocumentRow(
    string Id, string Kind, string? Number, string ContactId, DateOnly IssueDate, DateOnly DueDate, string Currency, string? Reference, string Status,
    decimal Subtotal, decimal VatTotal, decimal Total, decimal AmountPaid, string? JournalEntryId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public decimal AmountDue => Total - AmountPaid;

    public string Label(TradeKind kind) => Number is null ? $"{kind.Name} {Id}" : $"{kind.Name} {Number}";
}

internal sealed record DocumentLineRow(
    string TradeDocumentId, int LineNumber, string Description, decimal Quantity, decimal UnitPrice, decimal VatRate, string AccountId, decimal LineTotal, decimal VatAmount);

internal sealed record PaymentRow(string TradeDocumentId, string Id, decimal Amount, DateOnly Date, string BankAccountId, string JournalEntryId, DateTimeOffset CreatedAt);

/// <summary>
/// The invoice and bill engine: drafts with server-computed totals, posting on send/approval,
/// payments against the control account, voiding by reversal. Every state change and its
/// events commit in one transaction; every statement is scoped by organisation.
/// </summary>
public static class TradeDocuments
{
    private const string Columns =
        "id, kind, number, contact_id, issue_date, due_date, currency, reference, status, subtotal, vat_total, total, amount_paid, journal_entry_id, created_at, updated_at";

    public static async Task<Outcome<TradeDocumentView>> CreateAsync(
        TradeKind kind, ITradeDocumentRequest request, string? supplierNumber, Caller caller, NpgsqlTransaction transaction, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(transaction);
        var lines = await ComputeLinesAsync(kind, request, caller.OrganisationId, transaction, cancellationToken);
        if (lines.Error is { } error)
        {
            return error;
        }

        var connection = transaction.Connection!;
        var number = kind == TradeKind.Invoice
            ? $"INV-{await NumberSeries.NextAsync(transaction, caller.OrganisationId, kind.Name, cancellationToken):D4}"
            : supplierNumber;
        var now = clock.GetUtcNow();
        var currency = request.Currency!;
        var row = new DocumentRow(
            Ids.New(kind.IdPrefix), kind.Name, number, request.ContactId!, request.IssueDate!.Value, request.DueDate!.Value, currency, request.Reference, TradeKind.Draft,
            lines.Value!.Sum(l => l.LineTotal), lines.Value!.Sum(l => l.VatAmount), lines.Value!.Sum(l => l.LineTotal + l.VatAmount), 0, null, now, now);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trade_documents (id, organisation_id, kind, number, contact_id, issue_date, due_date, currency, reference, status, subtotal, vat_total, total, created_at, updated_at)
            VALUES (@Id, @OrganisationId, @Kind, @Number, @ContactId, @IssueDate, @DueDate, @Currency, @Reference, @Status, @Subtotal, @VatTotal, @Total, @CreatedAt, @UpdatedAt)
            """,
            new
            {
                row.Id, caller.OrganisationId, row.Kind, row.Number, row.ContactId, row.IssueDate, row.DueDate, row.Currency, row.Reference, row.Status,
                row.Subtotal, row.VatTotal, row.Total, row.CreatedAt, row.UpdatedAt,
            },
            transaction, cancellationToken: cancellationToken));
        await InsertLinesAsync(transaction, caller.OrganisationId, row.Id, lines.Value!, cancellationToken);

        IntegrationEvent created = kind == TradeKind.Invoice
            ? new InvoiceCreated
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, InvoiceNumber = row.Number!, ContactId = row.ContactId,
                Total = Money.Present(row.Total, currency), Currency = currency, IssueDate = row.IssueDate, DueDate = row.DueDate,
            }
            : new BillCreated
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, BillNumber = row.Number, ContactId = row.ContactId,
                Total = Money.Present(row.Total, currency), Currency = currency, IssueDate = row.IssueDate, DueDate = row.DueDate,
            };
        await Outbox.EnqueueAsync(transaction, created, row.Id, cancellationToken);
        return ToView(kind, row, lines.Value!, []);
    }

    /// <summary>The document locked for a change, or null when it is not in the organisation.</summary>
    internal static async Task<(DocumentRow Row, IReadOnlyList<DocumentLineRow> Lines)?> LockAsync(
        TradeKind kind, string id, string organisationId, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var row = await connection.QuerySingleOrDefaultAsync<DocumentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trade_documents WHERE id = @Id AND organisation_id = @OrganisationId AND kind = @Kind FOR UPDATE",
            new { Id = id, OrganisationId = organisationId, Kind = kind.Name }, transaction, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var lines = await LinesAsync(connection, organisationId, [row.Id], transaction, cancellationToken);
        return (row, lines[row.Id].ToList());
    }

    /// <summary>Replaces a draft's fields and lines with <paramref name="merged"/> (already validated).</summary>
    internal static async Task<Outcome<TradeDocumentView>> ReplaceDraftAsync(
        TradeKind kind, DocumentRow current, ITradeDocumentRequest merged, string? supplierNumber, Caller caller, NpgsqlTransaction transaction, TimeProvider clock, CancellationToken cancellationToken)
    {
        var lines = await ComputeLinesAsync(kind, merged, caller.OrganisationId, transaction, cancellationToken);
        if (lines.Error is { } error)
        {
            return error;
        }

        var row = current with
        {
            Number = kind == TradeKind.Invoice ? current.Number : supplierNumber,
            ContactId = merged.ContactId!,
            IssueDate = merged.IssueDate!.Value,
            DueDate = merged.DueDate!.Value,
            Currency = merged.Currency!,
            Reference = merged.Reference,
            Subtotal = lines.Value!.Sum(l => l.LineTotal),
            VatTotal = lines.Value!.Sum(l => l.VatAmount),
            Total = lines.Value!.Sum(l => l.LineTotal + l.VatAmount),
            UpdatedAt = clock.GetUtcNow(),
        };
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE trade_documents SET number = @Number, contact_id = @ContactId, issue_date = @IssueDate, due_date = @DueDate, currency = @Currency,
                reference = @Reference, subtotal = @Subtotal, vat_total = @VatTotal, total = @Total, updated_at = @UpdatedAt
            WHERE id = @Id AND organisation_id = @OrganisationId;
            DELETE FROM trade_document_lines WHERE trade_document_id = @Id AND organisation_id = @OrganisationId;
            """,
            new
            {
                row.Number, row.ContactId, row.IssueDate, row.DueDate, row.Currency, row.Reference, row.Subtotal, row.VatTotal, row.Total, row.UpdatedAt,
                row.Id, caller.OrganisationId,
            },
            transaction, cancellationToken: cancellationToken));
        await InsertLinesAsync(transaction, caller.OrganisationId, row.Id, lines.Value!, cancellationToken);
        return ToView(kind, row, lines.Value!, []);
    }

    /// <summary>Sends an invoice / approves a bill: posts it and emits invoice.sent / bill.approved.</summary>
    public static async Task<Outcome<TradeDocumentView>?> PostAsync(
        TradeKind kind, string id, Caller caller, NpgsqlTransaction transaction, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(transaction);
        if (await LockAsync(kind, id, caller.OrganisationId, transaction, cancellationToken) is not { } locked)
        {
            return null;
        }

        var (row, lines) = locked;

        if (row.Status != TradeKind.Draft)
        {
            return ApiError.Conflict($"Only a draft can be {kind.PostedStatus}; {row.Label(kind)} is {row.Status}.");
        }

        if (row.Total == 0)
        {
            return ApiError.ValidationFailed("lines", $"The {kind.Name} totals zero; there is nothing to post.");
        }

        var system = await SystemAccountsAsync(transaction, caller.OrganisationId, [kind.ControlAccountRole, SystemRoles.Vat], cancellationToken);
        if (system.Error is { } missing)
        {
            return missing;
        }

        var label = row.Label(kind);
        var postingLines = new List<PostingLine>();
        postingLines.AddRange(lines.Where(l => l.LineTotal != 0)
            .Select(l => kind.CounterLine(l.AccountId, l.LineTotal, l.Description, kind.NetVatRole, Money.Percent(l.VatRate))));
        if (row.VatTotal != 0)
        {
            postingLines.Add(kind.CounterLine(system.Value![SystemRoles.Vat], row.VatTotal, $"VAT on {label}", kind.TaxVatRole, null));
        }

        postingLines.Add(kind.ControlLine(system.Value![kind.ControlAccountRole], row.Total, label));
        var posted = await Journal.PostAsync(transaction, caller, new JournalPosting(
            row.IssueDate, row.Currency, Capitalised(label), row.Reference, kind.PostingSource, row.Id, postingLines), clock, cancellationToken);
        if (posted.Error is { } error)
        {
            return error;
        }

        var now = clock.GetUtcNow();
        var updated = row with { Status = kind.PostedStatus, JournalEntryId = posted.Value!.Id, UpdatedAt = now };
        await UpdateStatusAsync(transaction, caller.OrganisationId, updated, cancellationToken);
        IntegrationEvent announced = kind == TradeKind.Invoice
            ? new InvoiceSent
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, InvoiceNumber = row.Number!, ContactId = row.ContactId,
                Subtotal = Money.Present(row.Subtotal, row.Currency), VatTotal = Money.Present(row.VatTotal, row.Currency), Total = Money.Present(row.Total, row.Currency),
                Currency = row.Currency, IssueDate = row.IssueDate, DueDate = row.DueDate, JournalEntryId = posted.Value.Id,
            }
            : new BillApproved
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, BillNumber = row.Number, ContactId = row.ContactId,
                Subtotal = Money.Present(row.Subtotal, row.Currency), VatTotal = Money.Present(row.VatTotal, row.Currency), Total = Money.Present(row.Total, row.Currency),
                Currency = row.Currency, IssueDate = row.IssueDate, DueDate = row.DueDate, JournalEntryId = posted.Value.Id,
            };
        await Outbox.EnqueueAsync(transaction, announced, row.Id, cancellationToken);
        return ToView(kind, updated, lines, await PaymentsAsync(transaction, caller.OrganisationId, row.Id, cancellationToken));
    }

    /// <summary>Records a payment: cash against the control account, then partially_paid or paid.</summary>
    public static async Task<Outcome<TradeDocumentView>?> PayAsync(
        TradeKind kind, string id, PaymentRequest request, Caller caller, NpgsqlTransaction transaction, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(transaction);
        if (await LockAsync(kind, id, caller.OrganisationId, transaction, cancellationToken) is not { } locked)
        {
            return null;
        }

        var (row, lines) = locked;

        if (row.Status != TradeKind.PartiallyPaid && row.Status != kind.PostedStatus)
        {
            return ApiError.Conflict(row.Status == TradeKind.Draft
                ? $"{Capitalised(row.Label(kind))} is a draft; it must be {kind.PostedStatus} before it can be paid."
                : $"{Capitalised(row.Label(kind))} is {row.Status}; it takes no more payments.");
        }

        var amount = request.Amount!.Value;
        if (!Money.FitsCurrency(amount, row.Currency))
        {
            return ApiError.ValidationFailed("amount", $"amount has more decimals than {row.Currency} allows.");
        }

        if (amount > row.AmountDue)
        {
            return ApiError.ValidationFailed("amount", $"amount {amount} is more than the {Money.Present(row.AmountDue, row.Currency)} {row.Currency} due.");
        }

        var system = await SystemAccountsAsync(transaction, caller.OrganisationId, [kind.ControlAccountRole, SystemRoles.Bank], cancellationToken);
        if (system.Error is { } missing)
        {
            return missing;
        }

        var bankAccountId = system.Value![SystemRoles.Bank];
        BankAccount? bankAccount = null;
        if (request.BankAccountId is { } named && named.StartsWith("ba_", StringComparison.Ordinal))
        {
            bankAccount = await BankAccounts.FindAsync(transaction, caller.OrganisationId, named, cancellationToken);
            if (bankAccount is null || bankAccount.Currency != row.Currency)
            {
                return ApiError.ValidationFailed("bank_account_id", bankAccount is null
                    ? "No such bank account in this organisation."
                    : $"The bank account is in {bankAccount.Currency}; {row.Label(kind)} is in {row.Currency}.");
            }

            bankAccountId = bankAccount.LedgerAccountId;
        }
        else if (request.BankAccountId is { } chosen)
        {
            var isBank = await transaction.Connection!.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE id = @Id AND organisation_id = @OrganisationId AND type = 'asset' AND subtype = 'bank' AND NOT archived)",
                new { Id = chosen, caller.OrganisationId }, transaction, cancellationToken: cancellationToken));
            if (!isBank)
            {
                return ApiError.ValidationFailed("bank_account_id", "No such bank account in this organisation (an active asset account with subtype bank).");
            }

            bankAccountId = chosen;
        }

        var paymentId = Ids.New("pay");
        var description = $"Payment for {row.Label(kind)}";
        var posted = await Journal.PostAsync(transaction, caller, new JournalPosting(
            request.Date!.Value, row.Currency, description, row.Reference, kind.PaymentSource, paymentId,
            kind.PaymentLines(bankAccountId, system.Value[kind.ControlAccountRole], amount, description)), clock, cancellationToken);
        if (posted.Error is { } error)
        {
            return error;
        }

        var now = clock.GetUtcNow();
        var paid = row.AmountPaid + amount;
        var updated = row with { AmountPaid = paid, Status = paid == row.Total ? TradeKind.Paid : TradeKind.PartiallyPaid, UpdatedAt = now };
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO payments (id, organisation_id, trade_document_id, amount, date, bank_account_id, journal_entry_id, created_at)
            VALUES (@PaymentId, @OrganisationId, @Id, @Amount, @Date, @BankAccountId, @JournalEntryId, @Now);
            UPDATE trade_documents SET amount_paid = @AmountPaid, status = @Status, updated_at = @Now WHERE id = @Id AND organisation_id = @OrganisationId;
            """,
            new
            {
                PaymentId = paymentId, caller.OrganisationId, row.Id, Amount = amount, request.Date, BankAccountId = bankAccount?.Id ?? bankAccountId,
                JournalEntryId = posted.Value!.Id, Now = now, AmountPaid = paid, updated.Status,
            },
            transaction, cancellationToken: cancellationToken));
        if (bankAccount is not null)
        {
            await BankTransactions.RecordPaymentAsync(
                transaction, caller.OrganisationId, bankAccount, paymentId, request.Date!.Value, description, kind == TradeKind.Invoice ? amount : -amount,
                row.Reference, posted.Value.Id, clock, cancellationToken);
        }

        var amountDue = Money.Present(updated.AmountDue, row.Currency);
        await Outbox.EnqueueAsync(transaction, kind == TradeKind.Invoice
            ? new PaymentReceived
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = paymentId, InvoiceId = row.Id, InvoiceNumber = row.Number!, ContactId = row.ContactId,
                Amount = amount, Currency = row.Currency, Date = request.Date!.Value, BankAccountId = bankAccount?.Id ?? bankAccountId, AmountDue = amountDue, JournalEntryId = posted.Value.Id,
            }
            : new PaymentMade
            {
                OrganisationId = caller.OrganisationId, OccurredAt = now, Id = paymentId, BillId = row.Id, BillNumber = row.Number, ContactId = row.ContactId,
                Amount = amount, Currency = row.Currency, Date = request.Date!.Value, BankAccountId = bankAccount?.Id ?? bankAccountId, AmountDue = amountDue, JournalEntryId = posted.Value.Id,
            }, row.Id, cancellationToken);
        if (updated.Status == TradeKind.Paid)
        {
            var total = Money.Present(row.Total, row.Currency);
            await Outbox.EnqueueAsync(transaction, kind == TradeKind.Invoice
                ? new InvoicePaid
                {
                    OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, InvoiceNumber = row.Number!, Amount = total, Currency = row.Currency,
                    ContactId = row.ContactId, PaidOn = request.Date!.Value,
                }
                : new BillPaid
                {
                    OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, BillNumber = row.Number, Amount = total, Currency = row.Currency,
                    ContactId = row.ContactId, PaidOn = request.Date!.Value,
                }, row.Id, cancellationToken);
        }

        return ToView(kind, updated, lines, await PaymentsAsync(transaction, caller.OrganisationId, row.Id, cancellationToken));
    }

    /// <summary>Voids an unpaid invoice; a sent one has its posting reversed, dated today.</summary>
    public static async Task<Outcome<TradeDocumentView>?> VoidInvoiceAsync(
        string id, Caller caller, NpgsqlTransaction transaction, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(transaction);
        var kind = TradeKind.Invoice;
        if (await LockAsync(kind, id, caller.OrganisationId, transaction, cancellationToken) is not { } locked)
        {
            return null;
        }

        var (row, lines) = locked;

        if (row.Status != TradeKind.Draft && row.Status != kind.PostedStatus)
        {
            return ApiError.Conflict(row.Status == TradeKind.Void
                ? $"Invoice {row.Number} is already void."
                : $"Invoice {row.Number} is {row.Status}; payments against it must be refunded before it can be voided.");
        }

        var now = clock.GetUtcNow();
        string? reversalId = null;
        if (row.JournalEntryId is { } postedEntry)
        {
            var reversal = await Journal.ReverseAsync(
                transaction, caller, postedEntry, DateOnly.FromDateTime(now.UtcDateTime), JournalSources.InvoiceVoid, row.Id, clock, cancellationToken);
            if (reversal?.Error is { } error)
            {
                return error;
            }

            reversalId = reversal?.Value?.Id;
        }

        var updated = row with { Status = TradeKind.Void, UpdatedAt = now };
        await UpdateStatusAsync(transaction, caller.OrganisationId, updated, cancellationToken);
        await Outbox.EnqueueAsync(transaction, new InvoiceVoided
        {
            OrganisationId = caller.OrganisationId, OccurredAt = now, Id = row.Id, InvoiceNumber = row.Number!, ContactId = row.ContactId,
            Total = Money.Present(row.Total, row.Currency), Currency = row.Currency, ReversalJournalEntryId = reversalId,
        }, row.Id, cancellationToken);
        return ToView(kind, updated, lines, []);
    }

    public static async Task<TradeDocumentView?> LoadAsync(
        TradeKind kind, NpgsqlConnection connection, string organisationId, string id, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(connection);
        var row = await connection.QuerySingleOrDefaultAsync<DocumentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trade_documents WHERE id = @Id AND organisation_id = @OrganisationId AND kind = @Kind",
            new { Id = id, OrganisationId = organisationId, Kind = kind.Name }, transaction, cancellationToken: cancellationToken));
        return row is null ? null : (await ViewsAsync(kind, connection, organisationId, [row], transaction, cancellationToken))[0];
    }

    public sealed record ListFilter(string? Status, string? ContactId, DateOnly? From, DateOnly? To);

    public static async Task<(IReadOnlyList<TradeDocumentView> Page, long Total)> ListAsync(
        TradeKind kind, NpgsqlConnection connection, string organisationId, ListFilter filter, int limit, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);
        const string Where = """
            organisation_id = @OrganisationId AND kind = @Kind AND (@Status::text IS NULL OR status = @Status)
            AND (@ContactId::text IS NULL OR contact_id = @ContactId)
            AND (@From::date IS NULL OR issue_date >= @From) AND (@To::date IS NULL OR issue_date <= @To)
            """;
        var parameters = new { OrganisationId = organisationId, Kind = kind.Name, filter.Status, filter.ContactId, filter.From, filter.To, Limit = limit, Offset = offset };
        var rows = (await connection.QueryAsync<DocumentRow>(new CommandDefinition(
            $"SELECT {Columns} FROM trade_documents WHERE {Where} ORDER BY created_at DESC, id LIMIT @Limit OFFSET @Offset",
            parameters, cancellationToken: cancellationToken))).AsList();
        var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM trade_documents WHERE {Where}", parameters, cancellationToken: cancellationToken));
        return (await ViewsAsync(kind, connection, organisationId, rows, null, cancellationToken), total);
    }

    private static async Task<IReadOnlyList<TradeDocumentView>> ViewsAsync(
        TradeKind kind, NpgsqlConnection connection, string organisationId, IReadOnlyList<DocumentRow> rows, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var ids = rows.Select(r => r.Id).ToArray();
        var lines = await LinesAsync(connection, organisationId, ids, transaction, cancellationToken);
        var payments = (await connection.QueryAsync<PaymentRow>(new CommandDefinition(
            """
            SELECT trade_document_id, id, amount, date, bank_account_id, journal_entry_id, created_at FROM payments
            WHERE organisation_id = @OrganisationId AND trade_document_id = ANY(@Ids) ORDER BY created_at, id
            """,
            new { OrganisationId = organisationId, Ids = ids }, transaction, cancellationToken: cancellationToken))).ToLookup(p => p.TradeDocumentId, StringComparer.Ordinal);
        return [.. rows.Select(r => ToView(kind, r, [.. lines[r.Id]], [.. payments[r.Id]]))];
    }

    private static async Task<ILookup<string, DocumentLineRow>> LinesAsync(
        NpgsqlConnection connection, string organisationId, string[] ids, NpgsqlTransaction? transaction, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<DocumentLineRow>(new CommandDefinition(
            """
            SELECT trade_document_id, line_number, description, quantity, unit_price, vat_rate, account_id, line_total, vat_amount
            FROM trade_document_lines WHERE organisation_id = @OrganisationId AND trade_document_id = ANY(@Ids) ORDER BY trade_document_id, line_number
            """,
            new { OrganisationId = organisationId, Ids = ids }, transaction, cancellationToken: cancellationToken))).ToLookup(l => l.TradeDocumentId, StringComparer.Ordinal);

    private static async Task<IReadOnlyList<PaymentRow>> PaymentsAsync(NpgsqlTransaction transaction, string organisationId, string id, CancellationToken cancellationToken) =>
        (await transaction.Connection!.QueryAsync<PaymentRow>(new CommandDefinition(
            """
            SELECT trade_document_id, id, amount, date, bank_account_id, journal_entry_id, created_at FROM payments
            WHERE organisation_id = @OrganisationId AND trade_document_id = @Id ORDER BY created_at, id
            """,
            new { OrganisationId = organisationId, Id = id }, transaction, cancellationToken: cancellationToken))).AsList();

    private static TradeDocumentView ToView(TradeKind kind, DocumentRow row, IReadOnlyList<DocumentLineRow> lines, IReadOnlyList<PaymentRow> payments)
    {
        var currency = row.Currency;
        var document = new TradeDocumentView
        {
            Id = row.Id,
            ContactId = row.ContactId,
            IssueDate = row.IssueDate,
            DueDate = row.DueDate,
            Currency = currency,
            Reference = row.Reference,
            Status = row.Status,
            Lines = [.. lines.Select(l => new TradeLineView(
                l.LineNumber, l.Description, Money.Percent(l.Quantity)!.Value, Money.Present(l.UnitPrice, currency), Money.Percent(l.VatRate)!.Value, l.AccountId,
                Money.Present(l.LineTotal, currency), Money.Present(l.VatAmount, currency)))],
            Subtotal = Money.Present(row.Subtotal, currency),
            VatTotal = Money.Present(row.VatTotal, currency),
            Total = Money.Present(row.Total, currency),
            AmountPaid = Money.Present(row.AmountPaid, currency),
            AmountDue = Money.Present(row.AmountDue, currency),
            JournalEntryId = row.JournalEntryId,
            Payments = [.. payments.Select(p => new PaymentView(p.Id, Money.Present(p.Amount, currency), p.Date, p.BankAccountId, p.JournalEntryId, p.CreatedAt))],
            CreatedAt = row.CreatedAt,
            UpdatedAt = row.UpdatedAt,
        };
        return kind == TradeKind.Invoice ? new InvoiceView(document, row.Number!) : new BillView(document, row.Number);
    }

    private static async Task<Outcome<IReadOnlyList<DocumentLineRow>>> ComputeLinesAsync(
        TradeKind kind, ITradeDocumentRequest request, string organisationId, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var contactType = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT type FROM contacts WHERE id = @Id AND organisation_id = @OrganisationId AND deleted_at IS NULL",
            new { Id = request.ContactId, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));
        var problems = new List<FieldError>();
        if (contactType is null)
        {
            problems.Add(new FieldError("contact_id", "No such contact in this organisation."));
        }
        else if (contactType != kind.ContactType)
        {
            problems.Add(new FieldError("contact_id", $"An {kind.Name}'s contact must be a {kind.ContactType}; this one is a {contactType}."));
        }

        var requested = request.Lines!;
        var accounts = (await connection.QueryAsync<(string Id, bool Archived, string? SystemRole)>(new CommandDefinition(
            "SELECT id, archived, system_role FROM accounts WHERE organisation_id = @OrganisationId AND (id = ANY(@Ids) OR system_role = @DefaultRole)",
            new { OrganisationId = organisationId, Ids = requested.Where(l => l.AccountId is not null).Select(l => l.AccountId!).ToArray(), DefaultRole = kind.DefaultLineAccountRole },
            transaction, cancellationToken: cancellationToken))).ToList();
        var defaultAccount = accounts.FirstOrDefault(a => a.SystemRole == kind.DefaultLineAccountRole).Id;
        var lines = new List<DocumentLineRow>(requested.Count);
        for (var i = 0; i < requested.Count; i++)
        {
            var line = requested[i];
            var accountId = line.AccountId ?? defaultAccount;
            var account = accounts.FirstOrDefault(a => a.Id == accountId);
            if (accountId is null || account.Id is null)
            {
                problems.Add(new FieldError($"lines[{i}].account_id", line.AccountId is null
                    ? $"This organisation has no default {kind.DefaultLineAccountRole} account; name the account."
                    : "No such account in this organisation."));
                continue;
            }

            if (account.Archived)
            {
                problems.Add(new FieldError($"lines[{i}].account_id", "The account is archived; nothing can be posted to it."));
                continue;
            }

            var lineTotal = TradeMath.LineTotal(line.Quantity!.Value, line.UnitPrice!.Value, request.Currency!);
            lines.Add(new DocumentLineRow(
                "", i + 1, line.Description!.Trim(), line.Quantity.Value, line.UnitPrice.Value, line.VatRate!.Value, accountId,
                lineTotal, TradeMath.VatAmount(lineTotal, line.VatRate.Value, request.Currency!)));
        }

        return problems.Count > 0 ? ApiError.ValidationFailed(problems) : new Outcome<IReadOnlyList<DocumentLineRow>>(lines, null);
    }

    private static async Task InsertLinesAsync(NpgsqlTransaction transaction, string organisationId, string documentId, IReadOnlyList<DocumentLineRow> lines, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO trade_document_lines (trade_document_id, line_number, organisation_id, description, quantity, unit_price, vat_rate, account_id, line_total, vat_amount)
            SELECT @DocumentId, l.line_number, @OrganisationId, l.description, l.quantity, l.unit_price, l.vat_rate, l.account_id, l.line_total, l.vat_amount
            FROM unnest(@Numbers, @Descriptions, @Quantities, @UnitPrices, @VatRates, @Accounts, @LineTotals, @VatAmounts)
                AS l(line_number, description, quantity, unit_price, vat_rate, account_id, line_total, vat_amount)
            """,
            new
            {
                DocumentId = documentId,
                OrganisationId = organisationId,
                Numbers = lines.Select(l => l.LineNumber).ToArray(),
                Descriptions = lines.Select(l => l.Description).ToArray(),
                Quantities = lines.Select(l => l.Quantity).ToArray(),
                UnitPrices = lines.Select(l => l.UnitPrice).ToArray(),
                VatRates = lines.Select(l => l.VatRate).ToArray(),
                Accounts = lines.Select(l => l.AccountId).ToArray(),
                LineTotals = lines.Select(l => l.LineTotal).ToArray(),
                VatAmounts = lines.Select(l => l.VatAmount).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));

    private static async Task UpdateStatusAsync(NpgsqlTransaction transaction, string organisationId, DocumentRow row, CancellationToken cancellationToken) =>
        await transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "UPDATE trade_documents SET status = @Status, journal_entry_id = @JournalEntryId, updated_at = @UpdatedAt WHERE id = @Id AND organisation_id = @OrganisationId",
            new { row.Status, row.JournalEntryId, row.UpdatedAt, row.Id, OrganisationId = organisationId }, transaction, cancellationToken: cancellationToken));

    private static async Task<Outcome<IReadOnlyDictionary<string, string>>> SystemAccountsAsync(
        NpgsqlTransaction transaction, string organisationId, string[] roles, CancellationToken cancellationToken)
    {
        var found = (await transaction.Connection!.QueryAsync<(string SystemRole, string Id)>(new CommandDefinition(
            "SELECT system_role, id FROM accounts WHERE organisation_id = @OrganisationId AND system_role = ANY(@Roles)",
            new { OrganisationId = organisationId, Roles = roles }, transaction, cancellationToken: cancellationToken)))
            .ToDictionary(a => a.SystemRole, a => a.Id, StringComparer.Ordinal);
        var missing = roles.Where(role => !found.ContainsKey(role)).ToList();
        return missing.Count > 0
            ? ApiError.Conflict($"This organisation's chart of accounts has no {string.Join(" or ", missing)} account yet; it is created with the organisation.")
            : new Outcome<IReadOnlyDictionary<string, string>>(found, null);
    }

    private static string Capitalised(string text) => string.Concat(text[..1].ToUpperInvariant(), text.AsSpan(1));
}
