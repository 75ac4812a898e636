using System.Security.Cryptography;

namespace Accounting.Ledger.Documents;

/// <summary>
/// The uploaded file as the store reads it: the header bytes already sniffed, then the rest of
/// the multipart section, hashed and counted on the way through. Past <paramref name="limit"/>
/// bytes it fails with a 413, so an oversized file is refused while it streams.
/// </summary>
internal sealed class UploadStream(ReadOnlyMemory<byte> header, Stream rest, long limit) : Stream
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ReadOnlyMemory<byte> unread = header;

    /// <summary>Bytes read so far.</summary>
    public long Size { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Size; set => throw new NotSupportedException(); }

    /// <summary>Lower-case hex SHA-256 of everything read; call once, at the end.</summary>
    public string Sha256() => Convert.ToHexStringLower(hash.GetHashAndReset());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        if (!unread.IsEmpty)
        {
            read = Math.Min(unread.Length, buffer.Length);
            unread[..read].CopyTo(buffer);
            unread = unread[read..];
        }
        else
        {
            read = await rest.ReadAsync(buffer, cancellationToken);
        }

        Size += read;
        if (Size > limit)
        {
            throw new BadHttpRequestException($"The file exceeds the limit of {limit:N0} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        hash.AppendData(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Uploads are read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
