using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Accounting.Gateway.RequestLog;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Gateway.Tests.RequestLog;

/// <summary>Sums <c>gateway.request_log.dropped</c> by reason, for one gateway's meters only.</summary>
public sealed class DroppedEntries : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<string, long> byReason = new(StringComparer.Ordinal);

    public DroppedEntries(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == RequestLogBuffer.DroppedMetric)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason" && tag.Value is string reason)
                {
                    byReason.AddOrUpdate(reason, value, (_, total) => total + value);
                }
            }
        });
        listener.Start();
    }

    public long QueueFull => byReason.GetValueOrDefault("queue_full");

    public long Undeliverable => byReason.GetValueOrDefault("undeliverable");

    public void Dispose() => listener.Dispose();
}
