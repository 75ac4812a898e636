using System.Text.Json;

namespace Accounting.Ledger.Banking.Imports.Parsing;

/// <summary>
/// Which header names hold which fields: the <c>columns</c> override of contract §5.2
/// (<c>{"date": "Posted", "description": "Payee", "money_out": "Out", "money_in": "In"}</c>).
/// </summary>
public sealed record CsvColumnMap(string Date, string Description, string? Amount, string? MoneyOut, string? MoneyIn, string? Reference)
{
    private static readonly string[] Keys = ["date", "description", "amount", "money_out", "money_in", "reference"];
    private static readonly string[] Required = ["date", "description"];

    /// <summary>Reads the JSON of the <c>columns</c> form field; the errors name <c>columns.&lt;key&gt;</c>.</summary>
    public static CsvColumnMap? Parse(string json, out IReadOnlyList<RowError> errors)
    {
        var problems = new List<RowError>();
        errors = problems;
        Dictionary<string, string?> names;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new RowError("columns", "columns must be a JSON object mapping date, description, amount (or money_out and money_in) and reference to header names."));
                return null;
            }

            names = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Keys.Contains(property.Name, StringComparer.Ordinal))
                {
                    problems.Add(new RowError($"columns.{property.Name}", $"'{property.Name}' is not a column of a statement. Keys: {string.Join(", ", Keys)}."));
                }
                else if (property.Value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(property.Value.GetString()))
                {
                    problems.Add(new RowError($"columns.{property.Name}", "must be the name of a header column."));
                }
                else
                {
                    names[property.Name] = property.Value.GetString()!.Trim();
                }
            }
        }
        catch (JsonException)
        {
            problems.Add(new RowError("columns", "columns must be valid JSON."));
            return null;
        }

        foreach (var required in Required.Where(k => !names.ContainsKey(k)))
        {
            problems.Add(new RowError($"columns.{required}", $"{required} is required."));
        }

        var hasAmount = names.ContainsKey("amount");
        var hasPair = names.ContainsKey("money_out") || names.ContainsKey("money_in");
        if (hasAmount == hasPair)
        {
            problems.Add(new RowError("columns.amount", "Give either amount (one signed column) or both money_out and money_in."));
        }
        else if (hasPair && !(names.ContainsKey("money_out") && names.ContainsKey("money_in")))
        {
            problems.Add(new RowError(names.ContainsKey("money_out") ? "columns.money_in" : "columns.money_out", "money_out and money_in go together."));
        }

        return problems.Count > 0
            ? null
            : new CsvColumnMap(names["date"]!, names["description"]!, names.GetValueOrDefault("amount"), names.GetValueOrDefault("money_out"),
                names.GetValueOrDefault("money_in"), names.GetValueOrDefault("reference"));
    }
}
