using System.Text;
using Accounting.Ledger.Banking.Imports.Parsing;

namespace Accounting.Ledger.Tests.Banking.Imports;

/// <summary>The sample statements under Statements/, written the way UK banks export them.</summary>
internal static class StatementFiles
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Banking", "Imports", "Statements", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static async Task<ParsedStatement> ParseAsync(string name, StatementOptions? options = null)
    {
        await using var file = File.OpenRead(PathOf(name));
        return await StatementReader.ReadAsync(file, options ?? new StatementOptions("GBP"), CancellationToken.None);
    }

    public static async Task<ParsedStatement> ParseTextAsync(string text, StatementOptions? options = null) =>
        await StatementReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), options ?? new StatementOptions("GBP"), CancellationToken.None);
}
