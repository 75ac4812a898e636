namespace Accounting.Contracts.Ledger;

/// <summary>A document (receipt, invoice scan) was stored; its bytes stay in the ledger, fetched by id.</summary>
[EventContract("document.uploaded", 1)]
public sealed record DocumentUploaded : IntegrationEvent
{
    public required string Id { get; init; }

    public required string Filename { get; init; }

    /// <summary>Detected from the content: <c>application/pdf</c>, <c>image/png</c> or <c>image/jpeg</c>.</summary>
    public required string ContentType { get; init; }

    public required long Size { get; init; }

    /// <summary>Lower-case hex SHA-256 of the bytes.</summary>
    public required string Sha256 { get; init; }

    /// <summary><c>invoice</c>, <c>bill</c>, <c>transaction</c> or <c>journal_entry</c>, or null.</summary>
    public string? LinkedType { get; init; }

    public string? LinkedId { get; init; }

    public required string UploadedBy { get; init; }
}
