using System.Net;

namespace Accounting.Gateway.RequestLog;

/// <summary>
/// One answered request, built on the request path from values the request already holds: no
/// formatting, no copies (the address is formatted and everything serialised by the shipper).
/// </summary>
public readonly record struct RequestLogEntry(
    string RequestId,
    string OrganisationId,
    string? ApiKeyId,
    string? UserId,
    string Method,
    string Path,
    int Status,
    TimeSpan Duration,
    IPAddress? ClientAddress,
    string? UserAgent,
    DateTimeOffset StartedAt)
{
    public const int MaxPathLength = 2_048;
    public const int MaxUserAgentLength = 512;

    /// <summary>Cuts <paramref name="value"/> to <paramref name="maxLength"/> characters without splitting a surrogate pair.</summary>
    public static string Truncate(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length <= maxLength)
        {
            return value;
        }

        var length = char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength;
        return value[..length];
    }
}

/// <summary>An entry as auth stores it (<c>POST /internal/request-log</c>).</summary>
public sealed record LoggedRequest(
    string RequestId, string OrganisationId, string Method, string Path, int Status, double DurationMs,
    string? ApiKeyId, string? UserId, string? Ip, string? UserAgent, DateTimeOffset CreatedAt)
{
    public static LoggedRequest From(in RequestLogEntry entry) => new(
        entry.RequestId,
        entry.OrganisationId,
        entry.Method,
        entry.Path,
        entry.Status,
        Math.Round(entry.Duration.TotalMilliseconds, 3),
        entry.ApiKeyId,
        entry.UserId,
        entry.ClientAddress is { } address ? (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString() : null,
        entry.UserAgent,
        entry.StartedAt);
}
