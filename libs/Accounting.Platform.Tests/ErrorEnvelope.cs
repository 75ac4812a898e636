using System.Net.Http.Json;
using System.Text.Json;

namespace Accounting.Platform.Tests;

/// <summary>Reads the contract §2 envelope off a response, failing the test if it is not one.</summary>
public sealed record ErrorEnvelope(string Code, string Message, int Status, string RequestId, IReadOnlyList<(string Field, string Message)> Errors)
{
    public static async Task<ErrorEnvelope> ReadAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        var fields = error.TryGetProperty("errors", out var list)
            ? list.EnumerateArray().Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("message").GetString()!)).ToList()
            : [];
        var envelope = new ErrorEnvelope(
            error.GetProperty("code").GetString()!,
            error.GetProperty("message").GetString()!,
            error.GetProperty("status").GetInt32(),
            error.GetProperty("request_id").GetString()!,
            fields);
        envelope.Status.ShouldBe((int)response.StatusCode);
        envelope.RequestId.ShouldStartWith("req_");
        response.Headers.GetValues("X-Request-Id").Single().ShouldBe(envelope.RequestId);
        return envelope;
    }
}

internal static class JsonContent
{
    public static StringContent Of(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        response.Content.ReadFromJsonAsync<JsonElement>();
}
