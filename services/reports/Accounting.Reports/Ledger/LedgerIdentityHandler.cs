using Accounting.ServiceDefaults.Identity;

namespace Accounting.Reports.Ledger;

/// <summary>
/// Signs the reports service's own identity onto each attempt of a call to the ledger: inside the
/// resilience pipeline, so a retry never carries a token that expired while it waited.
/// </summary>
public sealed class LedgerIdentityHandler(ServiceIdentityIssuer identities) : DelegatingHandler
{
    public const string Audience = "ledger";

    /// <summary>The organisation a request is about; its token is scoped to it.</summary>
    public static readonly HttpRequestOptionsKey<string> Organisation = new("accounting.organisation");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Options.TryGetValue(Organisation, out var organisationId))
        {
            throw new InvalidOperationException("A request to the ledger's internal endpoints must say which organisation it is about.");
        }

        request.Headers.Remove(InternalIdentityOptions.HeaderName);
        request.Headers.Add(InternalIdentityOptions.HeaderName, identities.Issue(organisationId, Audience));
        return base.SendAsync(request, cancellationToken);
    }
}
