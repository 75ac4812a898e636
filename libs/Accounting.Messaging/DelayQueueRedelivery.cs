using MassTransit;
using MassTransit.Configuration;
using MassTransit.RabbitMqTransport;
using MassTransit.Serialization;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Accounting.Messaging;

/// <summary>
/// MassTransit's delayed redelivery, on a RabbitMQ without the delayed-message-exchange plugin
/// (Debian's <c>rabbitmq-server</c> does not ship it, and RabbitMQ no longer maintains it).
/// MassTransit's own <c>UseDelayedRedelivery</c> sends through an <c>x-delayed-message</c>
/// exchange; this sends the message instead to a delay queue, one per interval
/// (<c>accounting.redelivery.60000ms</c>), whose messages expire after the interval and are
/// dead-lettered through the default exchange under their routing key, the name of the queue
/// they came from. One TTL per queue keeps expiry in arrival order. MassTransit's redelivery
/// filter still decides when to redeliver and when to give up, from the redelivery count header.
/// </summary>
internal static partial class DelayQueueRedelivery
{
    private const string QueuePrefix = "accounting.redelivery.";

    public static void UseDelayQueueRedelivery(
        this IConsumePipeConfigurator configurator, MessagingMetrics metrics, ILogger logger, Action<IRedeliveryConfigurator> configure) =>
        // Like MassTransit's own redelivery, the observer attaches itself to every message type configured later.
        _ = new ConfigurationObserver(configurator, configure, metrics, logger);

    private sealed class ConfigurationObserver(
        IConsumePipeConfigurator configurator, Action<IRedeliveryConfigurator> configure, MessagingMetrics metrics, ILogger logger)
        : ScheduledRedeliveryConfigurationObserver(configurator, configure)
    {
        protected override IRedeliveryPipeSpecification AddRedeliveryPipeSpecification<TMessage>(IConsumePipeConfigurator configurator)
        {
            var specification = new Specification<TMessage>(metrics, logger);
            configurator.AddPipeSpecification(specification);
            return specification;
        }
    }

    private sealed class Specification<TMessage>(MessagingMetrics metrics, ILogger logger)
        : IPipeSpecification<ConsumeContext<TMessage>>, IRedeliveryPipeSpecification
        where TMessage : class
    {
        public RedeliveryOptions Options { get; set; }

        public void Apply(IPipeBuilder<ConsumeContext<TMessage>> builder) => builder.AddFilter(new Filter<TMessage>(Options, metrics, logger));

        public IEnumerable<ValidationResult> Validate() => [];
    }

    private sealed class Filter<TMessage>(RedeliveryOptions options, MessagingMetrics metrics, ILogger logger) : IFilter<ConsumeContext<TMessage>>
        where TMessage : class
    {
        public Task Send(ConsumeContext<TMessage> context, IPipe<ConsumeContext<TMessage>> next)
        {
            context.GetOrAddPayload<MessageRedeliveryContext>(() => new RedeliveryContext<TMessage>(context, options, metrics, logger));
            return next.Send(context);
        }

        public void Probe(ProbeContext context) => context.CreateFilterScope("delayQueueRedelivery");
    }

    private sealed class RedeliveryContext<TMessage>(ConsumeContext<TMessage> context, RedeliveryOptions options, MessagingMetrics metrics, ILogger logger)
        : MessageRedeliveryContext
        where TMessage : class
    {
        public async Task ScheduleRedelivery(TimeSpan delay, Action<ConsumeContext, SendContext>? callback = null)
        {
            var receive = context.ReceiveContext;
            if (!receive.TryGetPayload(out ChannelContext? channel) || !receive.TryGetPayload(out ReceiveSettings? settings))
            {
                throw new InvalidOperationException("Delay-queue redelivery needs a RabbitMQ receive endpoint.");
            }

            var delayQueue = await DeclareDelayQueueAsync(channel, delay, context.CancellationToken);
            var pipe = Pipe.Execute<SendContext<TMessage>>(send =>
            {
                send.ApplyRedeliveryOptions(context, options);
                send.SetRoutingKey(settings.QueueName);
                callback?.Invoke(context, send);
            });
            var endpoint = await context.GetSendEndpoint(new Uri("exchange:" + delayQueue));
            await endpoint.Send(context.Message, new ForwardMessagePipe<TMessage>(context, pipe), context.CancellationToken);

            metrics.RecordRedelivery(settings.QueueName);
            LogRedelivery(logger, receive.GetMessageId(), settings.QueueName, context.GetRedeliveryCount() + 1, delay);
        }
    }

    /// <summary>
    /// Declared on every redelivery, which is rare: a queue deleted by hand comes back rather than
    /// leaving its exchange to drop what is sent to it. The exchange is declared as MassTransit
    /// declares a send endpoint's, so the two declarations agree.
    /// </summary>
    private static async Task<string> DeclareDelayQueueAsync(ChannelContext channel, TimeSpan delay, CancellationToken cancellationToken)
    {
        var milliseconds = (long)Math.Ceiling(delay.TotalMilliseconds);
        var name = $"{QueuePrefix}{milliseconds}ms";
        await channel.ExchangeDeclare(name, ExchangeType.Fanout, durable: true, autoDelete: false, new Dictionary<string, object>(), cancellationToken);
        await channel.QueueDeclare(name, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object>
        {
            ["x-message-ttl"] = milliseconds,
            ["x-dead-letter-exchange"] = "",
        }, cancellationToken);
        await channel.QueueBind(name, name, "", new Dictionary<string, object>(), cancellationToken);
        return name;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming message {MessageId} from {Queue} failed after its retries; redelivery {Redelivery} in {Delay}")]
    private static partial void LogRedelivery(ILogger logger, Guid? messageId, string queue, int redelivery, TimeSpan delay);
}
