using System.Net;
using Accounting.Testing;

namespace Accounting.Platform.Tests;

public sealed class ConventionsTests(ServiceDefaultsApp app) : IClassFixture<ServiceDefaultsApp>
{
    private readonly HttpClient client = app.CreateClient(TestIdentity.Caller("org_a", "widgets:write"));

    [Fact]
    public async Task A_safe_client_request_id_is_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/widgets");
        request.Headers.Add("X-Request-Id", "client-trace_42");
        var response = await client.SendAsync(request);

        response.Headers.GetValues("X-Request-Id").Single().ShouldBe("client-trace_42");
    }

    [Theory]
    [InlineData("has spaces in it")]
    [InlineData("<script>")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task An_unsafe_client_request_id_is_replaced(string unsafeId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/widgets");
        request.Headers.TryAddWithoutValidation("X-Request-Id", unsafeId);
        var response = await client.SendAsync(request);

        var id = response.Headers.GetValues("X-Request-Id").Single();
        id.ShouldNotBe(unsafeId);
        id.ShouldMatch("^req_[0-9a-f]{24}$");
    }

    [Fact]
    public async Task Json_is_snake_case_both_ways()
    {
        var response = await client.PostAsync("/widgets", JsonContent.Of("""{"name": "w", "lines": [{"description": "d", "unit_price": 12.50}]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await JsonContent.ReadAsync(response);
        body.GetProperty("organisation_id").GetString().ShouldBe("org_a");
        body.GetProperty("lines")[0].GetProperty("unit_price").GetDecimal().ShouldBe(12.50m);
    }

    [Fact]
    public async Task Lists_have_the_data_and_pagination_shape()
    {
        var response = await client.GetAsync("/widgets?limit=10&offset=0");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await JsonContent.ReadAsync(response);
        body.GetProperty("data").GetArrayLength().ShouldBe(1);
        var pagination = body.GetProperty("pagination");
        pagination.GetProperty("total").GetInt64().ShouldBe(1);
        pagination.GetProperty("limit").GetInt32().ShouldBe(10);
        pagination.GetProperty("offset").GetInt32().ShouldBe(0);
        pagination.GetProperty("has_more").GetBoolean().ShouldBeFalse();
    }
}
