namespace Accounting.Auth.RequestLog;

/// <summary>The API request log (section <c>RequestLog</c>).</summary>
public sealed class RequestLogOptions
{
    public const string SectionName = "RequestLog";

    /// <summary>Contract §9: entries are kept 30 days, then deleted by the hourly retention job.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
}
