using Microsoft.Extensions.Options;

namespace Accounting.Gateway.RequestLog;

public static class RequestLogExtensions
{
    /// <summary>The API request log of contract §9: recorded per request, shipped to auth in batches.</summary>
    public static WebApplicationBuilder AddGatewayRequestLog(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<RequestLogOptions>().Bind(builder.Configuration.GetSection(RequestLogOptions.SectionName))
            .Validate(
                o => o.QueueCapacity > 0 && o.BatchSize > 0 && o.MaxAttempts > 0 && o.FlushInterval > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero,
                "RequestLog:QueueCapacity, BatchSize, MaxAttempts, FlushInterval and RetryDelay must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RequestLogBuffer>();
        builder.Services.AddHostedService<RequestLogShipper>();
        return builder;
    }

    /// <summary>Right after the forwarded headers, so the log has the client's address and every answer.</summary>
    public static WebApplication UseGatewayRequestLog(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<IOptions<RequestLogOptions>>().Value.Enabled)
        {
            app.UseMiddleware<RequestLogMiddleware>();
        }

        return app;
    }
}
