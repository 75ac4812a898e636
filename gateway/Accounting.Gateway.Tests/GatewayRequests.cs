using System.Net.Http.Headers;
using System.Text.Json;

namespace Accounting.Gateway.Tests;

internal static class GatewayRequests
{
    public static Task<HttpResponseMessage> GetWithKeyAsync(this HttpClient client, string apiKey, string path = "/api/v1/invoices")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-API-Key", apiKey);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetWithBearerAsync(this HttpClient client, string token, string path = "/api/v1/invoices")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client.SendAsync(request);
    }

    public static async Task<string?> ErrorCodeAsync(this HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetProperty("code").GetString();
    }

    public static string Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
