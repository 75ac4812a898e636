using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Accounting.Postgres.Migrations;

/// <summary>One numbered <c>.sql</c> file; its checksum guards against editing it once applied.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    // Line endings are normalised so a checkout with CRLF does not look like an edit.
    public string Checksum =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>
/// The ordered migrations of one module (a service, or a shared library such as the outbox).
/// Each module keeps its own version sequence in the same history table.
/// </summary>
public sealed partial class MigrationSource
{
    public MigrationSource(string module, IEnumerable<Migration> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(module);
        Module = module;
        Migrations = [.. migrations.OrderBy(m => m.Version)];
        var duplicate = Migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Module '{module}' has more than one migration numbered {duplicate.Key}.");
        }
    }

    public string Module { get; }

    public IReadOnlyList<Migration> Migrations { get; }

    /// <summary>Reads the embedded resources named <c>…Migrations.NNNN_name.sql</c> of an assembly.</summary>
    public static MigrationSource FromEmbeddedResources(string module, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        return new MigrationSource(module, migrations);
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d+)_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();
}
