using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RequestLog;

/// <summary>
/// The bounded hand-off between requests and the shipper. Writing never waits: a full queue drops
/// the entry (counted by <c>gateway.request_log.dropped</c>, reason <c>queue_full</c>), so a slow
/// or absent auth costs the log entries, never the requests.
/// </summary>
public sealed class RequestLogBuffer
{
    public const string DroppedMetric = "gateway.request_log.dropped";

    private static readonly KeyValuePair<string, object?> QueueFull = new("reason", "queue_full");
    private static readonly KeyValuePair<string, object?> Undeliverable = new("reason", "undeliverable");

    private readonly Channel<RequestLogEntry> channel;
    private readonly Counter<long> dropped;

    public RequestLogBuffer(IOptions<RequestLogOptions> options, IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(meters);
        dropped = meters.Create("Accounting.Gateway").CreateCounter<long>(
            DroppedMetric, description: "API request-log entries dropped: the queue was full, or auth refused their batch too often");
        channel = Channel.CreateBounded<RequestLogEntry>(
            new BoundedChannelOptions(options.Value.QueueCapacity)
            {
                FullMode = BoundedChannelFullMode.DropWrite,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => dropped.Add(1, QueueFull));
    }

    public ChannelReader<RequestLogEntry> Reader => channel.Reader;

    public void Enqueue(in RequestLogEntry entry) => channel.Writer.TryWrite(entry);

    public void CountUndeliverable(int count) => dropped.Add(count, Undeliverable);
}
