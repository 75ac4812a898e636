using System.Buffers;
using System.Data;
using Accounting.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace Accounting.Ledger.Documents;

/// <summary>
/// Where a document's bytes live, apart from its description. PostgreSQL is the one store today;
/// an object store would implement the same three operations.
/// </summary>
public interface IDocumentStore
{
    /// <summary>Stores <paramref name="content"/> as it is read, as part of <paramref name="write"/>: if that is rolled back, nothing stays.</summary>
    Task WriteAsync(WriteTransaction write, string documentId, Stream content, CancellationToken cancellationToken);

    /// <summary>Copies the stored bytes to <paramref name="destination"/> as they are read.</summary>
    Task CopyToAsync(string documentId, Stream destination, CancellationToken cancellationToken);

    Task DeleteAsync(WriteTransaction write, string documentId, CancellationToken cancellationToken);
}

/// <summary>The bytes in <c>document_chunks</c>, <see cref="ChunkSize"/> per row: a file is never held whole, written or read.</summary>
public sealed class PostgresDocumentStore(NpgsqlDataSource dataSource) : IDocumentStore
{
    public const int ChunkSize = 256 * 1024;

    public async Task WriteAsync(WriteTransaction write, string documentId, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentNullException.ThrowIfNull(content);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO document_chunks (document_id, chunk_number, bytes) VALUES ($1, $2, $3)", write.Connection, write.Transaction);
            var number = new NpgsqlParameter<int> { NpgsqlDbType = NpgsqlDbType.Integer };
            var bytes = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
            insert.Parameters.Add(number);
            insert.Parameters.Add(bytes);
            for (var chunk = 0; ; chunk++)
            {
                var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, ChunkSize), ChunkSize, throwOnEndOfStream: false, cancellationToken);
                if (read == 0)
                {
                    return;
                }

                number.TypedValue = chunk;
                bytes.TypedValue = buffer.AsMemory(0, read);
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async Task CopyToAsync(string documentId, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var select = new NpgsqlCommand("SELECT bytes FROM document_chunks WHERE document_id = $1 ORDER BY chunk_number", connection);
        select.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        // Sequential access streams each row's bytes off the socket instead of buffering the row.
        await using var reader = await select.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            await using var chunk = await reader.GetStreamAsync(0, cancellationToken);
            await chunk.CopyToAsync(destination, cancellationToken);
        }
    }

    public async Task DeleteAsync(WriteTransaction write, string documentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var delete = new NpgsqlCommand("DELETE FROM document_chunks WHERE document_id = $1", write.Connection, write.Transaction);
        delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = documentId });
        await delete.ExecuteNonQueryAsync(cancellationToken);
    }
}
