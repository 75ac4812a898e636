using System.Buffers;
using System.Text;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// The statement's bytes as UTF-8, whatever the bank wrote. UTF-8 passes through (its byte order
/// mark dropped) until the first byte sequence that is not UTF-8; from there on the rest is read as
/// Windows-1252, which is what UK banks export (£ as the single byte 0xA3). Everything before that
/// point was valid UTF-8, which in a Windows-1252 file means plain ASCII, so nothing is decoded twice
/// or wrongly. Fixed buffers: the file is never held whole.
/// </summary>
public sealed class StatementTextStream : Stream
{
    private const int ChunkSize = 16 * 1024;
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private readonly Stream source;
    private readonly byte[] input = new byte[ChunkSize];
    private readonly char[] legacyChars = new char[ChunkSize];
    private readonly byte[] output = new byte[(ChunkSize * 3) + ChunkSize];
    private int inputLength;
    private int outputStart;
    private int outputEnd;
    private bool sourceEnded;
    private bool startChecked;

    public StatementTextStream(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        this.source = source;
    }

    /// <summary>True once a byte sequence that is not UTF-8 switched decoding to Windows-1252.</summary>
    public bool IsWindows1252 { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Up to <paramref name="count"/> bytes of what comes next, without consuming them (format detection).</summary>
    public async ValueTask<ReadOnlyMemory<byte>> PeekAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, ChunkSize);
        while (outputEnd - outputStart < count && !(sourceEnded && inputLength == 0))
        {
            await FillAsync(cancellationToken);
        }

        return output.AsMemory(outputStart, Math.Min(count, outputEnd - outputStart));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (outputStart == outputEnd && !(sourceEnded && inputLength == 0))
        {
            await FillAsync(cancellationToken);
        }

        var count = Math.Min(buffer.Length, outputEnd - outputStart);
        output.AsSpan(outputStart, count).CopyTo(buffer.Span);
        outputStart += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask FillAsync(CancellationToken cancellationToken)
    {
        if (!sourceEnded && inputLength < input.Length)
        {
            var read = await source.ReadAsync(input.AsMemory(inputLength), cancellationToken);
            sourceEnded = read == 0;
            inputLength += read;
        }

        if (!startChecked)
        {
            if (inputLength < 3 && !sourceEnded)
            {
                return;
            }

            startChecked = true;
            if (input.AsSpan(0, inputLength).StartsWith("\uFEFF"u8))
            {
                Consume(3);
            }
        }

        if (outputStart == outputEnd)
        {
            outputStart = outputEnd = 0;
        }
        else if (outputStart > 0)
        {
            output.AsSpan(outputStart, outputEnd - outputStart).CopyTo(output);
            outputEnd -= outputStart;
            outputStart = 0;
        }

        var pending = input.AsSpan(0, inputLength);
        var take = IsWindows1252 ? pending.Length : ValidUtf8Prefix(pending);
        if (IsWindows1252)
        {
            take = Math.Min(take, (output.Length - outputEnd) / 3);
            var chars = Windows1252.GetChars(pending[..take], legacyChars);
            outputEnd += Encoding.UTF8.GetBytes(legacyChars.AsSpan(0, chars), output.AsSpan(outputEnd));
        }
        else
        {
            take = Math.Min(take, output.Length - outputEnd);
            pending[..take].CopyTo(output.AsSpan(outputEnd));
            outputEnd += take;
        }

        Consume(take);
    }

    /// <summary>How many leading bytes are UTF-8; switches to Windows-1252 at the first sequence that is not.</summary>
    private int ValidUtf8Prefix(ReadOnlySpan<byte> bytes)
    {
        var valid = 0;
        while (valid < bytes.Length)
        {
            var ascii = bytes[valid..].IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
            if (ascii < 0)
            {
                return bytes.Length;
            }

            valid += ascii;
            var status = Rune.DecodeFromUtf8(bytes[valid..], out _, out var consumed);
            if (status == OperationStatus.Done)
            {
                valid += consumed;
            }
            else if (status == OperationStatus.NeedMoreData && !sourceEnded)
            {
                // A sequence cut by the chunk boundary: keep it for the next read.
                return valid;
            }
            else
            {
                IsWindows1252 = true;
                return valid;
            }
        }

        return valid;
    }

    private void Consume(int count)
    {
        input.AsSpan(count, inputLength - count).CopyTo(input);
        inputLength -= count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            source.Dispose();
        }

        base.Dispose(disposing);
    }
}
