using CsvHelper;

namespace Accounting.Reports.Reports;

/// <summary>
/// A report as CSV: a header row, one row per account line, totals last. Text cells that begin
/// with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or CR are prefixed with <c>'</c> so a spreadsheet
/// shows them instead of running them. Amounts are written as numbers, never as text, so they are
/// not escaped: <c>-45.99</c> stays a negative number a spreadsheet can add up.
/// </summary>
public sealed class CsvFile(string name, IReadOnlyList<string> header, IReadOnlyList<object?[]> rows) : IResult
{
    public const string MediaType = "text/csv";

    private static readonly CsvWriterOptions Options = new() { Injection = CsvInjection.Escape };

    public string Name { get; } = name;

    public IReadOnlyList<string> Header { get; } = header;

    public IReadOnlyList<object?[]> Rows { get; } = rows;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.ContentType = MediaType + "; charset=utf-8";
        httpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{Name}.csv\"";
        await using var csv = CsvWriter.Create(httpContext.Response.Body, Options, leaveOpen: true);
        foreach (var column in Header)
        {
            csv.WriteField(column);
        }

        await csv.EndRecordAsync(httpContext.RequestAborted);
        foreach (var row in Rows)
        {
            foreach (var cell in row)
            {
                switch (cell)
                {
                    case decimal amount:
                        csv.WriteField(amount, "");
                        break;
                    case DateOnly date:
                        csv.WriteField(date, "yyyy-MM-dd");
                        break;
                    default:
                        csv.WriteField(cell as string);
                        break;
                }
            }

            await csv.EndRecordAsync(httpContext.RequestAborted);
        }

        await csv.FlushAsync(httpContext.RequestAborted);
    }
}
