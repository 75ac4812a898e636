using Accounting.Auth;
using Accounting.Auth.Endpoints;
using Accounting.Auth.Members;
using Accounting.Auth.RequestLog;
using Accounting.Auth.Security;
using Accounting.Auth.Settings;
using Accounting.Messaging;
using Accounting.Postgres;
using Accounting.Postgres.Idempotency;
using Accounting.Redis;
using Accounting.ServiceDefaults.Security;
using Accounting.ServiceDefaults;
using Accounting.ServiceDefaults.Validation;
using Microsoft.Extensions.Options;

const string service = "auth";
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(service);
builder.AddInternalIdentity(service);
builder.AddPostgres(service, typeof(Program).Assembly);
builder.AddMessaging(service);
builder.AddRedis();

builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
    .Validate(options => File.Exists(options.DataKeyPath), "Auth:DataKeyPath must name the file with the AES key for secrets at rest.")
    .Validate(
        options => options.SigningKeyPublishLead > TimeSpan.Zero && options.SigningKeyPublishLead < options.SigningKeyRotation,
        "Auth:SigningKeyPublishLead must be positive and shorter than Auth:SigningKeyRotation.")
    .Validate(options => options.ExpiredSessionRetention >= TimeSpan.Zero, "Auth:ExpiredSessionRetention must not be negative.")
    .ValidateOnStart();
builder.Services.AddSingleton(sp => SecretProtector.FromKeyFile(sp.GetRequiredService<IOptions<AuthOptions>>().Value.DataKeyPath));
builder.Services.AddSingleton<SigningKeyRing>();
builder.Services.AddSingleton<TokenService>();
builder.Services.AddSingleton<SessionRetention>();
builder.Services.AddHostedService(services => services.GetRequiredService<SessionRetention>());
builder.Services.AddValidators(typeof(Program).Assembly);
builder.AddRequestLog();

var app = builder.Build();

app.UseServiceDefaults();
app.UseIdempotency();
app.MapDefaultEndpoints();
app.MapSessionEndpoints();
app.MapAccountEndpoints();
app.MapOrganisationEndpoints();
app.MapSettingsEndpoints();
app.MapMemberEndpoints();
app.MapInvitationEndpoints();
app.MapApiKeyEndpoints();
app.MapInternalEndpoints();
app.MapRequestLogEndpoints();
app.MapJwksEndpoints();

app.Run();
