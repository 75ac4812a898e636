using System.Net;
using Accounting.Testing;

namespace Accounting.Platform.Tests;

public sealed class ErrorEnvelopeTests(ServiceDefaultsApp app) : IClassFixture<ServiceDefaultsApp>
{
    private readonly HttpClient client = app.CreateClient(TestIdentity.Caller("org_a", "widgets:write"));

    [Fact]
    public async Task Malformed_json_is_a_400_bad_request()
    {
        var response = await client.PostAsync("/widgets", JsonContent.Of("{\"name\": "));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("bad_request");
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_a_400_naming_where_it_is_without_internals()
    {
        var response = await client.PostAsync("/widgets", JsonContent.Of("""{"name": "w", "lines": [{"description": "d", "unit_price": "ten"}]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = await ErrorEnvelope.ReadAsync(response);
        error.Code.ShouldBe("bad_request");
        error.Message.ShouldContain("$.lines[0].unit_price");
        error.Message.ShouldNotContain("System.");
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415()
    {
        var response = await client.PostAsync("/widgets", new StringContent("name=w", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task A_wrong_media_type_on_an_anonymous_endpoint_is_a_415_not_a_401()
    {
        using var anonymous = app.CreateClient();

        var response = await anonymous.PostAsync("/sessions", new StringContent("""{"name": "w", "lines": []}""", System.Text.Encoding.UTF8, "text/plain"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task A_wrong_method_on_an_anonymous_endpoint_is_a_405_not_a_401()
    {
        using var anonymous = app.CreateClient();

        var response = await anonymous.DeleteAsync("/sessions");

        response.StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("method_not_allowed");
    }

    [Fact]
    public async Task An_anonymous_endpoint_still_takes_json()
    {
        using var anonymous = app.CreateClient();

        var response = await anonymous.PostAsync("/sessions", JsonContent.Of("""{"name": "w", "lines": []}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unknown_route_is_a_404_not_found()
    {
        var response = await client.GetAsync("/no/such/route");

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("not_found");
    }

    [Fact]
    public async Task A_declared_body_over_10_MB_is_a_413_before_it_is_read()
    {
        using var content = new ByteArrayContent(new byte[(10 * 1024 * 1024) + 1]);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/widgets/upload") { Content = content };
        // As a well-behaved uploader does: the server can refuse before a byte of the body is sent.
        request.Headers.ExpectContinue = true;
        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("payload_too_large");
    }

    [Fact]
    public async Task A_chunked_body_over_10_MB_is_a_413()
    {
        using var content = new StreamContent(new MemoryStream(new byte[(10 * 1024 * 1024) + 1]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/widgets/upload") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        var response = await client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("payload_too_large");
    }

    [Fact]
    public async Task A_body_of_exactly_10_MB_is_accepted()
    {
        using var content = new ByteArrayContent(new byte[10 * 1024 * 1024]);
        var response = await client.PostAsync("/widgets/upload", content);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await JsonContent.ReadAsync(response)).GetProperty("length").GetInt64().ShouldBe(10 * 1024 * 1024);
    }

    [Fact]
    public async Task Invalid_fields_are_a_422_listing_each_field_in_snake_case()
    {
        var response = await client.PostAsync("/widgets", JsonContent.Of("""{"name": "", "lines": [{"description": "ok", "unit_price": 1}, {"description": "bad", "unit_price": -5}]}"""));

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var error = await ErrorEnvelope.ReadAsync(response);
        error.Code.ShouldBe("validation_failed");
        error.Errors.Select(e => e.Field).ShouldBe(["name", "lines[1].unit_price"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_limit_over_100_is_a_422_not_silently_clamped()
    {
        var response = await client.GetAsync("/widgets?limit=101");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ErrorEnvelope.ReadAsync(response)).Errors.ShouldContain(e => e.Field == "limit");
    }

    [Fact]
    public async Task A_limit_that_is_not_a_number_is_a_422_naming_it()
    {
        var response = await client.GetAsync("/widgets?limit=ten&offset=-1");

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ErrorEnvelope.ReadAsync(response)).Errors.Select(e => e.Field).ShouldBe(["limit", "offset"], ignoreOrder: true);
    }

    [Fact]
    public async Task An_unhandled_exception_is_a_500_without_internals()
    {
        var response = await client.GetAsync("/widgets/fail");

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        var body = await response.Content.ReadAsStringAsync();
        body.ShouldNotContain("hunter2");
        body.ShouldNotContain("InvalidOperationException");
        (await ErrorEnvelope.ReadAsync(response)).Code.ShouldBe("server_error");
    }
}
