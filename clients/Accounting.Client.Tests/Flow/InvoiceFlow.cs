using Accounting.Client;
using Accounting.Client.Models;
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Accounting.ClientFlow;

/// <summary>
/// What a new customer's integration does, written against the client Kiota generated and
/// nothing else: register, create an API key, then with the key invoice a customer, send the
/// invoice, record its payment and read it back.
/// </summary>
public static class InvoiceFlow
{
    /// <param name="gateway">The gateway's address.</param>
    /// <param name="organisationRegistered">Told the new organisation's id before the flow uses the ledger.</param>
    public static async Task<(string Status, decimal Total, decimal AmountPaid, decimal AmountDue)> RunAsync(
        Uri gateway, Func<string, Task> organisationRegistered)
    {
        using var http = new HttpClient();
        var anonymous = Client(new AnonymousAuthenticationProvider(), http, gateway);

        var registration = await anonymous.Api.V1.Auth.Register.PostAsync(new RegisterRequest
        {
            OrganisationName = "Globex Trading Ltd",
            FullName = "Hank Scorpio",
            Email = $"hank-{Guid.NewGuid():N}@globex.example",
            Password = "a long and memorable passphrase",
        }) ?? throw new InvalidOperationException("register returned no body");
        var organisationId = registration.Organisation?.Id ?? throw new InvalidOperationException("registration has no organisation id");
        var accessToken = registration.Tokens?.AccessToken ?? throw new InvalidOperationException("registration has no access token");
        await organisationRegistered(organisationId);

        // API keys are managed by people: the owner's access token creates one.
        var apiKey = await anonymous.Api.V1.ApiKeys.PostAsync(
            new CreateApiKeyRequest { Name = "Invoicing integration", Scopes = ["contacts:write", "invoices:write"], Mode = "test" },
            request => request.Headers.Add("Authorization", $"Bearer {accessToken}"))
            ?? throw new InvalidOperationException("createApiKey returned no body");
        var key = apiKey.Key ?? throw new InvalidOperationException("the new API key has no secret");

        var client = Client(new ApiKeyHeader(key), http, gateway);
        var customer = await client.Api.V1.Contacts.PostAsync(new CreateContactRequest
        {
            Type = "customer",
            Name = "Initech Ltd",
            Email = "accounts@initech.example",
        }) ?? throw new InvalidOperationException("createContact returned no body");

        var draft = await client.Api.V1.Invoices.PostAsync(new CreateInvoiceRequest
        {
            ContactId = customer.Id,
            IssueDate = new Date(2026, 3, 1),
            DueDate = new Date(2026, 3, 31),
            Currency = "GBP",
            Reference = "PO-4471",
            Lines = [new TradeLineRequest { Description = "Consulting, March", Quantity = 1m, UnitPrice = 100.00m, VatRate = 20m }],
        }) ?? throw new InvalidOperationException("createInvoice returned no body");
        var invoice = client.Api.V1.Invoices[draft.Id ?? throw new InvalidOperationException("the invoice has no id")];

        var sent = await invoice.Send.PostAsync() ?? throw new InvalidOperationException("sendInvoice returned no body");
        if (sent.Status != "sent")
        {
            throw new InvalidOperationException($"a sent invoice is {sent.Status}");
        }

        await invoice.Payments.PostAsync(new PaymentRequest { Amount = sent.AmountDue, Date = new Date(2026, 3, 10) });

        var paid = await invoice.GetAsync() ?? throw new InvalidOperationException("getInvoice returned no body");
        return (paid.Status ?? "", paid.Total ?? -1m, paid.AmountPaid ?? -1m, paid.AmountDue ?? -1m);
    }

    /// <summary>
    /// The key in <c>X-API-Key</c>. Kiota's own ApiKeyAuthenticationProvider sends keys over https
    /// only, and this gateway listens on plain http on loopback.
    /// </summary>
    private sealed class ApiKeyHeader(string key) : IAuthenticationProvider
    {
        public Task AuthenticateRequestAsync(
            RequestInformation request, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default)
        {
            request.Headers.Add("X-API-Key", key);
            return Task.CompletedTask;
        }
    }

    private static AccountingClient Client(IAuthenticationProvider authentication, HttpClient http, Uri gateway) =>
        new(new HttpClientRequestAdapter(authentication, httpClient: http) { BaseUrl = gateway.ToString().TrimEnd('/') });
}
