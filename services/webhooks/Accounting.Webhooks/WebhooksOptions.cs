namespace Accounting.Webhooks;

/// <summary>Limits and dispatcher tuning of contract §7; all overridable in configuration (<c>Webhooks:…</c>).</summary>
public sealed class WebhooksOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>File holding the AES-256 key (base64) that seals endpoint signing secrets at rest; required.</summary>
    public string DataKeyPath { get; set; } = "";

    public int MaxEndpointsPerOrganisation { get; set; } = 20;

    /// <summary>
    /// Private networks (CIDR, e.g. <c>127.0.0.0/8</c>) endpoints may target besides the public
    /// internet: loopback for local runs and tests, nothing in production. Cloud metadata endpoints
    /// stay refused whatever is listed.
    /// </summary>
    public IList<string> AllowedPrivateNetworks { get; } = [];

    /// <summary>Lets endpoints use plain http: local runs and tests only.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>The broker queue every domain event reaches this service through; replicas share it.</summary>
    public string EventQueue { get; set; } = "webhooks-events";

    /// <summary>A receiver must answer with a 2xx within this time.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts one dispatcher replica runs at once.</summary>
    public int MaxConcurrentAttempts { get; set; } = 64;

    /// <summary>Attempts in flight to one endpoint, so a slow endpoint cannot take every slot.</summary>
    public int MaxConcurrentAttemptsPerEndpoint { get; set; } = 8;

    /// <summary>How long a claimed attempt belongs to its dispatcher; must exceed <see cref="DeliveryTimeout"/>.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the dispatcher looks for due retries when nothing wakes it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>An endpoint whose attempts have all failed for this long is disabled.</summary>
    public TimeSpan DisableAfterFailingFor { get; set; } = TimeSpan.FromDays(5);

    /// <summary>After a rotation, deliveries are signed with the old secret too for this long.</summary>
    public TimeSpan PreviousSecretLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a settled delivery and its attempts stay in the deliveries log.</summary>
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How much of a receiver's response body is read and kept.</summary>
    public int ResponseBodyLimitBytes { get; set; } = 4096;
}
