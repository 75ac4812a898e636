using System.Net;
using System.Text.Json;
using Shouldly;

namespace Accounting.Testing;

/// <summary>Reading the API's answers in tests: the status expected, then fields and §2 errors by name.</summary>
public static class Api
{
    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        ArgumentNullException.ThrowIfNull(response);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static string Text(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    public static decimal Number(this JsonElement element, string name) => element.GetProperty(name).GetDecimal();

    public static string ErrorCode(this JsonElement element) => element.GetProperty("error").GetProperty("code").GetString()!;

    public static IReadOnlyList<string> ErrorFields(this JsonElement element) =>
        element.GetProperty("error").TryGetProperty("errors", out var errors)
            ? [.. errors.EnumerateArray().Select(e => e.GetProperty("field").GetString()!)]
            : [];
}
