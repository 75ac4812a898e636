using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Http;
using Accounting.ServiceDefaults.Identity;
using Accounting.ServiceDefaults.Validation;
using Accounting.Testing;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Accounting.Platform.Tests;

public sealed record WidgetLine(string Description, decimal UnitPrice);

public sealed record CreateWidget(string Name, IReadOnlyList<WidgetLine> Lines);

public sealed class CreateWidgetValidator : AbstractValidator<CreateWidget>
{
    public CreateWidgetValidator()
    {
        RuleFor(w => w.Name).NotEmpty();
        RuleForEach(w => w.Lines).ChildRules(line => line.RuleFor(l => l.UnitPrice).GreaterThan(0));
    }
}

/// <summary>
/// A small app built on the service defaults and served by real Kestrel on loopback, so body
/// limits and the whole pipeline behave as in production.
/// </summary>
public sealed class ServiceDefaultsApp : IAsyncLifetime
{
    public const string Audience = "defaults-test";

    private WebApplication? app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The app's clock, which moves only when a test moves it: identities expire on cue, not with machine speed.</summary>
    public TestClock Clock { get; } = new();

    public HttpClient CreateClient(Caller? caller = null, string? token = null)
    {
        // A loaded machine may take longer than the 1 s default to refuse an Expect: 100-continue upload, and the body would then go anyway.
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromMinutes(1) }) { BaseAddress = BaseAddress };
        token ??= caller is null ? null : TestIdentity.Mint(caller, Audience, Clock);
        if (token is not null)
        {
            client.DefaultRequestHeaders.Add(InternalIdentityOptions.HeaderName, token);
        }

        return client;
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["InternalIdentity:VerificationKeyPath"] = TestIdentity.VerificationKeyPath;
        builder.Configuration[$"ServiceIdentity:TrustedServices:{TestIdentity.TrustedService}:VerificationKeyPath"] = TestIdentity.ServiceVerificationKeyPath;
        builder.AddServiceDefaults(Audience);
        builder.AddInternalIdentity(Audience);
        builder.AddServiceIdentity(Audience);
        builder.Services.AddSingleton<TimeProvider>(Clock);
        builder.Services.AddSingleton<IValidator<CreateWidget>, CreateWidgetValidator>();

        app = builder.Build();
        app.UseServiceDefaults();
        app.MapDefaultEndpoints();

        var widgets = app.MapGroup("/widgets");
        widgets.MapPost("/", (CreateWidget widget, Caller caller) =>
                TypedResults.Created("/widgets/wdg_1", new { Id = "wdg_1", OrganisationId = caller.OrganisationId, widget.Name, widget.Lines }))
            .Validate<CreateWidget>()
            .RequireScope("widgets:write");
        widgets.MapGet("/", (PageRequest page, Caller caller) =>
                Page.Of([new { Id = "wdg_1", OrganisationId = caller.OrganisationId }], page, total: 1))
            .RequireScope("widgets:read");
        app.MapGet("/internal/widgets", (Caller caller) => TypedResults.Ok(new { caller.OrganisationId, caller.PrincipalId }))
            .RequireService();
        app.MapPost("/sessions", (CreateWidget widget) => TypedResults.Ok(new { widget.Name })).AllowAnonymous();
        widgets.MapGet("/fail", string () => throw new InvalidOperationException("connection string Password=hunter2"));
        widgets.MapPost("/upload", async (HttpRequest request) =>
        {
            var buffer = new byte[81920];
            long length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }

            return TypedResults.Ok(new { Length = length });
        });

        await app.StartAsync();
        BaseAddress = new Uri(app.Urls.First());
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}
