using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Accounting.Contracts.Ledger;
using Accounting.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace Accounting.Reports.Ledger;

/// <summary>
/// <see cref="ILedgerFeed"/> over the ledger's internal feed endpoints. Every attempt carries a
/// fresh identity the reports service signs itself for the organisation asked about
/// (<see cref="LedgerIdentityHandler"/>); retries, timeouts and the circuit breaker are the
/// standard resilience pipeline (<see cref="LedgerFeedExtensions.AddLedgerFeed"/>). A refusal or an
/// outage surfaces as an <see cref="HttpRequestException"/> that names the organisation and the status.
/// </summary>
public sealed class LedgerFeedClient(HttpClient http, IOptions<LedgerFeedOptions> options) : ILedgerFeed
{
    public const string HttpClientName = "ledger-feed";

    public async Task<long> PositionAsync(string organisationId, CancellationToken cancellationToken)
    {
        var position = await GetAsync<JournalPosition>(organisationId, "journal/position", cancellationToken);
        return position.Position;
    }

    /// <summary>Pages through the feed as the caller consumes it: one request per page, none ahead of need.</summary>
    public async IAsyncEnumerable<JournalEntryPosted> EntriesAsync(
        string organisationId, long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long? after = afterSequence;
        while (after is { } cursor)
        {
            var page = await GetAsync<JournalFeedPage>(
                organisationId, $"journal/entries?after={cursor}&limit={options.Value.PageSize}", cancellationToken);
            foreach (var entry in page.Entries)
            {
                yield return entry;
            }

            after = page.NextAfter;
        }
    }

    private async Task<T> GetAsync<T>(string organisationId, string path, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentException.ThrowIfNullOrEmpty(organisationId);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"internal/organisations/{Uri.EscapeDataString(organisationId)}/{path}", UriKind.Relative));
        request.Options.Set(LedgerIdentityHandler.Organisation, organisationId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"The ledger answered {(int)response.StatusCode} to GET {request.RequestUri} for organisation {organisationId}: {Truncate(body)}",
                null, response.StatusCode);
        }

        return await response.Content.ReadFromJsonAsync<T>(JsonDefaults.Options, cancellationToken)
            ?? throw new HttpRequestException($"The ledger answered GET {request.RequestUri} for organisation {organisationId} with an empty body.");
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "…";
}
