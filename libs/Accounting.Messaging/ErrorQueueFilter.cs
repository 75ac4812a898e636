using MassTransit;
using Microsoft.Extensions.Logging;

namespace Accounting.Messaging;

/// <summary>
/// Last in a receive endpoint's error pipe, after MassTransit has moved the message to the
/// <c>_error</c> queue: every retry and redelivery failed, so someone has to look at it.
/// </summary>
internal sealed partial class ErrorQueueFilter(string queue, MessagingMetrics metrics, ILogger<ErrorQueueFilter> logger) : IFilter<ExceptionReceiveContext>
{
    public Task Send(ExceptionReceiveContext context, IPipe<ExceptionReceiveContext> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        metrics.RecordDeadLettered(queue);
        LogMovedToErrorQueue(logger, context.Exception, context.GetMessageId(), queue);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("errorQueueCount");

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {MessageId} moved from {Queue} to its _error queue after every retry and redelivery failed")]
    private static partial void LogMovedToErrorQueue(ILogger logger, Exception exception, Guid? messageId, string queue);
}
