using Accounting.Contracts;
using Dapper;
using MassTransit;
using Npgsql;

namespace Accounting.Messaging;

/// <summary>
/// Base for every consumer: delivery is at-least-once, so each event is recorded in the inbox in
/// the same transaction as its effects, and a redelivered event finds its record and does nothing.
/// </summary>
public abstract class IdempotentConsumer<TEvent>(NpgsqlDataSource dataSource) : IConsumer<TEvent>
    where TEvent : IntegrationEvent
{
    public async Task Consume(ConsumeContext<TEvent> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A concurrent duplicate blocks on the primary key until the first commits, then inserts nothing.
        var firstDelivery = await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO inbox_messages (consumer, event_id) VALUES (@Consumer, @EventId) ON CONFLICT DO NOTHING",
            new { Consumer = GetType().FullName, context.Message.EventId },
            transaction,
            cancellationToken: cancellationToken)) == 1;
        if (firstDelivery)
        {
            await HandleAsync(context.Message, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Applies the event's effects inside <paramref name="transaction"/>; runs once per event.</summary>
    protected abstract Task HandleAsync(TEvent message, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}
