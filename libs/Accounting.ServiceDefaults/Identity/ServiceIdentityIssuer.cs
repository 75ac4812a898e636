using System.Collections.Frozen;

namespace Accounting.ServiceDefaults.Identity;

/// <summary>
/// Mints this service's own identity for one call to another service's internal endpoint: a
/// <see cref="PrincipalType.Service"/> caller named after this service, inside the organisation
/// the call is about, addressed to the service called, signed with this service's private key.
/// </summary>
public sealed class ServiceIdentityIssuer(InternalIdentityIssuer issuer, string serviceName)
{
    public string ServiceName { get; } = serviceName;

    public string Issue(string organisationId, string audience) =>
        issuer.Issue(new Caller(organisationId, ServiceName, PrincipalType.Service, null, FrozenSet<string>.Empty), audience);
}
