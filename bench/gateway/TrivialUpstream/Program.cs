// Stands in for every service behind the gateway: one trivial endpoint, plus auth's internal key
// resolution answering every hash with the same active key (the gateway caches it anyway), and
// the request log taking every batch.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

var key = new
{
    key_id = "key_bench",
    organisation_id = "org_bench",
    mode = "test",
    scopes = new[] { "invoices:read" },
    plan = "standard",
    expires_at = (DateTimeOffset?)null,
    status = "active",
};

app.MapPost("/internal/api-keys/resolve", () => Results.Json(key));
app.MapPost("/internal/api-keys/usage", () => Results.NoContent());
app.MapPost("/internal/request-log", () => Results.NoContent());
app.MapGet("/health/ready", () => Results.Text("ready"));
app.MapGet("/api/v1/invoices", () => Results.Json(new { data = Array.Empty<object>() }));

app.Run();
