using System.Globalization;
using System.Text;
using Accounting.Ledger.Banking.Categorisation;

namespace Accounting.Ledger.Tests.Banking;

public sealed record LabelledTransaction(string Organisation, DateOnly Date, string Description, decimal Amount, string Category);

/// <param name="Automatic">Suggestions at or above the threshold: what would be categorised without a person.</param>
public sealed record EvaluationResult(string Scenario, int Evaluated, int Suggested, int TopCorrect, int Automatic, int AutomaticCorrect)
{
    public double TopAccuracy => Ratio(TopCorrect, Evaluated);

    public double Precision => Ratio(AutomaticCorrect, Automatic);

    public double Coverage => Ratio(Automatic, Evaluated);

    private static double Ratio(int part, int whole) => whole == 0 ? 0 : part / (double)whole;
}

/// <summary>
/// Measures the categoriser on a labelled set of bank transactions of several organisations:
/// with no history, once each organisation has categorised its first 50 transactions (evaluated on
/// the ones that follow, never on those it learnt from), and learning as it goes (each transaction
/// evaluated before it is learnt).
/// </summary>
public static class CategoriserEvaluation
{
    public const int HistorySize = 50;

    public static IReadOnlyList<LabelledTransaction> Load(string path) =>
        [.. File.ReadLines(path).Skip(1).Where(line => line.Length > 0).Select(line => line.Split('\t')).Select(f => new LabelledTransaction(
            f[0], DateOnly.ParseExact(f[1], "yyyy-MM-dd", CultureInfo.InvariantCulture), f[2], decimal.Parse(f[3], CultureInfo.InvariantCulture), f[4]))];

    public static IReadOnlyList<EvaluationResult> Run(IReadOnlyList<LabelledTransaction> set, decimal threshold)
    {
        ArgumentNullException.ThrowIfNull(set);
        var categories = set.Select(t => t.Category).Concat(DefaultRules.All.Select(r => r.CategorySlug)).Distinct(StringComparer.Ordinal)
            .Select(slug => new CategoryOption(slug, slug, slug)).ToList();
        var organisations = set.GroupBy(t => t.Organisation, StringComparer.Ordinal).Select(g => g.OrderBy(t => t.Date).ToList()).ToList();

        var cold = new Tally("no history", threshold);
        var warm = new Tally($"after {HistorySize} categorised", threshold);
        var online = new Tally("learning as it goes", threshold);
        foreach (var transactions in organisations)
        {
            var empty = new Categoriser(categories, []);
            transactions.ForEach(t => cold.Add(t, empty.Suggest(t.Description, t.Amount)));

            var trained = new Categoriser(categories, transactions.Take(HistorySize).Select(Example));
            transactions.Skip(HistorySize).ToList().ForEach(t => warm.Add(t, trained.Suggest(t.Description, t.Amount)));

            var learning = new Categoriser(categories, []);
            foreach (var t in transactions)
            {
                online.Add(t, learning.Suggest(t.Description, t.Amount));
                learning.Learn(Example(t));
            }
        }

        return [cold.Result, warm.Result, online.Result];
    }

    public static string Table(IReadOnlyList<EvaluationResult> results, decimal threshold)
    {
        ArgumentNullException.ThrowIfNull(results);
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| scenario | evaluated | top-suggestion accuracy | automatic (confidence ≥ {threshold}) coverage | automatic precision |");
        table.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var r in results)
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Evaluated} | {r.TopAccuracy:P1} | {r.Coverage:P1} ({r.Automatic}) | {r.Precision:P1} ({r.AutomaticCorrect}/{r.Automatic}) |");
        }

        return table.ToString();
    }

    private static CategorisedExample Example(LabelledTransaction t) =>
        new(PayeeNormaliser.Normalise(t.Description), t.Amount > 0, t.Category, ByUser: true, t.Date);

    private sealed class Tally(string scenario, decimal threshold)
    {
        private int evaluated;
        private int suggested;
        private int topCorrect;
        private int automatic;
        private int automaticCorrect;

        public EvaluationResult Result => new(scenario, evaluated, suggested, topCorrect, automatic, automaticCorrect);

        public void Add(LabelledTransaction transaction, Suggestion? suggestion)
        {
            evaluated++;
            if (suggestion is null)
            {
                return;
            }

            suggested++;
            var correct = suggestion.Category.Slug == transaction.Category;
            topCorrect += correct ? 1 : 0;
            if (suggestion.Confidence >= threshold)
            {
                automatic++;
                automaticCorrect += correct ? 1 : 0;
            }
        }
    }
}
