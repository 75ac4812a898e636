using Npgsql;

namespace Accounting.Postgres;

/// <summary>
/// The transaction a handler writes in. Usually its own; when the request carries an
/// <c>Idempotency-Key</c>, the idempotency middleware's, so the stored response commits
/// atomically with the business write and a crash leaves neither behind.
/// </summary>
public sealed class WriteTransaction : IAsyncDisposable
{
    private readonly bool ownsTransaction;

    internal WriteTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction, bool ownsTransaction)
    {
        Connection = connection;
        Transaction = transaction;
        this.ownsTransaction = ownsTransaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>True once the handler declared its work complete; an uncompleted transaction is rolled back.</summary>
    public bool Completed { get; private set; }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        if (ownsTransaction)
        {
            await Transaction.CommitAsync(cancellationToken);
        }

        Completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsTransaction)
        {
            await Transaction.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}

/// <summary>Begins write transactions for one request (scoped): <c>await using var write = await transactions.BeginAsync(ct)</c>.</summary>
public sealed class WriteTransactions(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private WriteTransaction? ambient;
    private bool ambientTaken;

    /// <summary>Makes every write of this request join <paramref name="transaction"/>, which the caller commits.</summary>
    internal void JoinAmbient(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        ambient = new WriteTransaction(connection, transaction, ownsTransaction: false);
    }

    internal bool AmbientCompleted => ambient?.Completed == true;

    public async Task<WriteTransaction> BeginAsync(CancellationToken cancellationToken)
    {
        if (ambient is not null)
        {
            // One idempotent request is one unit of work; a second would escape the stored response.
            return ambientTaken
                ? throw new InvalidOperationException("An idempotent request may begin only one write transaction.")
                : Take(ambient);
        }

        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return new WriteTransaction(connection, await connection.BeginTransactionAsync(cancellationToken), ownsTransaction: true);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // The ambient transaction belongs to the idempotency middleware; disposing our handle of it is a no-op.
    public ValueTask DisposeAsync() => ambient?.DisposeAsync() ?? ValueTask.CompletedTask;

    private WriteTransaction Take(WriteTransaction transaction)
    {
        ambientTaken = true;
        return transaction;
    }
}
