namespace Accounting.ServiceDefaults.Health;

/// <summary>
/// How a library declares what its service needs in order to serve: health checks carrying
/// <see cref="Tag"/> decide <c>/health/ready</c>, each given <see cref="Timeout"/> to answer.
/// </summary>
public static class Readiness
{
    public const string Tag = "ready";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
}
