using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Accounting.Webhooks.Dispatch;

/// <summary>
/// Sends one attempt: <c>POST</c> of the stored body with Standard Webhooks headers and
/// <c>X-Signature</c>, within the delivery timeout, redirects not followed, the response body
/// read only up to the configured cap. Never throws for a receiver's failure: it returns it.
/// </summary>
public sealed class WebhookSender(TargetGuard guard, IOptions<WebhooksOptions> options, TimeProvider clock) : IDisposable
{
    private readonly WebhooksOptions settings = options.Value;

    private readonly HttpClient http = new(new SocketsHttpHandler
    {
        // Every connection goes through the guard, which checks the address actually connected to.
        ConnectCallback = guard.ConnectAsync,
        // A proxy would make the connection, and the guard would check the proxy instead of the target.
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        // Each attempt has its own deadline, which covers reading the response too.
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<AttemptResult> SendAsync(ClaimedAttempt attempt, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var attemptedAt = clock.GetUtcNow();
        var started = clock.GetTimestamp();
        var timestamp = attemptedAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, attempt.Url)
        {
            Content = new StringContent(attempt.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Accounting-Webhooks", "1.0"));
        request.Headers.Add("webhook-id", attempt.EventId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSignature.Header(attempt.Secret, attempt.PreviousSecret, attempt.EventId, timestamp, attempt.Payload));
        request.Headers.Add("X-Signature", WebhookSignature.BodySignature(attempt.Secret, attempt.Payload));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        deadline.CancelAfter(settings.DeliveryTimeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var body = await ReadCappedAsync(response.Content, deadline.Token);
            return new AttemptResult(attemptedAt, clock.GetElapsedTime(started), (int)response.StatusCode, body, null);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return Failed($"No complete response within {settings.DeliveryTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException exception) when (exception.InnerException is BlockedTargetException blocked)
        {
            return Failed("Refused: " + blocked.Message);
        }
        catch (HttpRequestException exception)
        {
            return Failed(exception.HttpRequestError == HttpRequestError.Unknown
                ? "The request failed: " + exception.Message
                : $"The request failed ({exception.HttpRequestError}): {exception.Message}");
        }

        AttemptResult Failed(string error) => new(attemptedAt, clock.GetElapsedTime(started), null, null, error);
    }

    private async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        // Only the start is kept; the rest is never read, so a huge or endless body costs nothing.
        var buffer = new byte[settings.ResponseBodyLimitBytes];
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return ResponseExcerpt.Decode(buffer.AsSpan(0, filled), capped: filled == buffer.Length);
    }

    public void Dispose() => http.Dispose();
}
