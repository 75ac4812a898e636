using System.Text;
using Accounting.ServiceDefaults.Security;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Endpoint signing secrets at rest: sealed with the service's data key for storage, opened only
/// to sign an attempt. Each is bound to its endpoint, so a sealed secret copied to another row
/// does not open.
/// </summary>
public sealed class EndpointSecrets(SecretProtector protector)
{
    public byte[] Seal(string endpointId, string secret) => protector.Protect(Encoding.UTF8.GetBytes(secret), Purpose(endpointId));

    public string Open(string endpointId, byte[] sealedSecret) => Encoding.UTF8.GetString(protector.Unprotect(sealedSecret, Purpose(endpointId)));

    private static string Purpose(string endpointId) => "webhook-secret:" + endpointId;
}
