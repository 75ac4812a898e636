using System.Net;
using System.Text.Json;
using Accounting.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Accounting.Gateway.Tests;

public sealed class GatewayFactory : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Redis", TestEnvironment.Redis);
    }
}

public sealed class GatewayHostingTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Ready_is_healthy_when_Redis_answers()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ShouldContain("redis");
    }

    [Fact]
    public async Task An_unknown_path_is_a_404_in_the_error_envelope()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync(new Uri("/api/v1/nowhere", UriKind.Relative));

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        body.RootElement.GetProperty("error").GetProperty("code").GetString().ShouldBe("not_found");
        body.RootElement.GetProperty("error").GetProperty("request_id").GetString()
            .ShouldBe(response.Headers.GetValues("X-Request-Id").Single());
    }
}
