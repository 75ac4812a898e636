namespace Accounting.Ledger.Banking.Categorisation;

/// <summary>A category the organisation can use: <see cref="Slug"/> ties it to the default rules.</summary>
public sealed record CategoryOption(string Id, string Slug, string Name);

/// <summary>One transaction the organisation has categorised: what the categoriser learns from.</summary>
public sealed record CategorisedExample(string NormalisedPayee, bool MoneyIn, string CategoryId, bool ByUser, DateOnly Date);

/// <param name="Confidence">0–1: how sure the categoriser is, calibrated so that 0.9 means right at least nine times in ten.</param>
public sealed record Suggestion(CategoryOption Category, decimal Confidence);

/// <summary>
/// Proposes a category for a bank transaction from, in order of trust: what this organisation
/// categorised the same payee as (weighted by how often and how recently), payees of its history
/// that share most words with this one, and the default rules for common UK payees. Built once per
/// batch (an import, a request) from the organisation's history and never shared across organisations.
/// </summary>
public sealed class Categoriser
{
    // A categorisation the categoriser made itself is weaker evidence than one a person made: it may be wrong and nobody looked.
    private const double AutoWeight = 0.25;

    // Evidence halves in weight every year: an organisation that changed how it books a payee is believed after a while.
    private const double HalfLifeDays = 365;

    private readonly Dictionary<string, CategoryOption> byId;
    private readonly Dictionary<string, CategoryOption> bySlug;
    private readonly Dictionary<(string Payee, bool MoneyIn), Dictionary<string, double>> votesByPayee = [];
    private readonly Dictionary<string, List<(string Payee, bool MoneyIn)>> payeesByToken = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Payee, bool MoneyIn), Suggestion?> cache = [];

    public Categoriser(IEnumerable<CategoryOption> categories, IEnumerable<CategorisedExample> history)
    {
        ArgumentNullException.ThrowIfNull(categories);
        ArgumentNullException.ThrowIfNull(history);
        var options = categories.ToList();
        byId = options.ToDictionary(c => c.Id, StringComparer.Ordinal);
        bySlug = options.ToDictionary(c => c.Slug, StringComparer.Ordinal);
        var examples = history.Where(e => byId.ContainsKey(e.CategoryId)).ToList();
        var newest = examples.Count == 0 ? default : examples.Max(e => e.Date);
        foreach (var example in examples)
        {
            var age = Math.Max(0, newest.DayNumber - example.Date.DayNumber);
            Add(example, (example.ByUser ? 1 : AutoWeight) * Math.Pow(0.5, age / HalfLifeDays));
        }
    }

    /// <summary>Learns one more categorisation (weighted as the newest), e.g. a user's choice within the same batch.</summary>
    public void Learn(CategorisedExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        if (byId.ContainsKey(example.CategoryId))
        {
            Add(example, example.ByUser ? 1 : AutoWeight);
            cache.Clear();
        }
    }

    /// <summary>The best guess for a transaction, or null when there is none.</summary>
    public Suggestion? Suggest(string description, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(description);
        return Suggest(description, PayeeNormaliser.Normalise(description), amount);
    }

    /// <summary>The best guess, for a caller that has the payee already (<see cref="PayeeNormaliser.Normalise"/> of the description).</summary>
    public Suggestion? Suggest(string description, string payee, decimal amount)
    {
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(payee);
        var moneyIn = amount > 0;
        var key = (payee, moneyIn);
        if (!cache.TryGetValue(key, out var suggestion))
        {
            suggestion = Score(description, payee, moneyIn);
            cache[key] = suggestion;
        }

        return suggestion;
    }

    private void Add(CategorisedExample example, double weight)
    {
        var key = (example.NormalisedPayee, example.MoneyIn);
        if (!votesByPayee.TryGetValue(key, out var votes))
        {
            votes = new Dictionary<string, double>(StringComparer.Ordinal);
            votesByPayee[key] = votes;
            foreach (var token in PayeeNormaliser.Tokens(example.NormalisedPayee))
            {
                if (!payeesByToken.TryGetValue(token, out var payees))
                {
                    payees = [];
                    payeesByToken[token] = payees;
                }

                payees.Add(key);
            }
        }

        votes[example.CategoryId] = votes.GetValueOrDefault(example.CategoryId) + weight;
    }

    private Suggestion? Score(string description, string payee, bool moneyIn)
    {
        var rule = DefaultRules.Match(description, moneyIn);
        var ruleCategory = rule is not null && bySlug.TryGetValue(rule.Rule.CategorySlug, out var c) ? c : null;
        var ambiguous = rule?.Rule.Ambiguous ?? false;

        if (payee.Length > 0 && votesByPayee.TryGetValue((payee, moneyIn), out var votes))
        {
            return FromHistory(votes, evidenceNeeded: ambiguous ? 2.0 : 0.1, ruleCategory, rule?.Rule.Confidence);
        }

        var similar = payee.Length == 0 ? null : Similar(payee, moneyIn);
        if (similar is { } found)
        {
            var fromSimilar = FromHistory(found.Votes, evidenceNeeded: ambiguous ? 3.0 : 0.5, ruleCategory, rule?.Rule.Confidence);
            var scaled = new Suggestion(fromSimilar.Category, Round((double)fromSimilar.Confidence * found.Similarity));
            if (ruleCategory is not null && scaled.Category.Id == ruleCategory.Id)
            {
                return scaled with { Confidence = Math.Max(scaled.Confidence, rule!.Rule.Confidence) };
            }

            // How this organisation books similar payees says more than a rule for a shop that sells everything.
            if (ruleCategory is null || ambiguous || scaled.Confidence >= rule!.Rule.Confidence)
            {
                return scaled;
            }
        }

        if (ruleCategory is not null)
        {
            return new Suggestion(ruleCategory, rule!.Rule.Confidence);
        }

        return moneyIn && bySlug.TryGetValue(DefaultRules.UnknownMoneyIn.CategorySlug, out var income)
            ? new Suggestion(income, DefaultRules.UnknownMoneyIn.Confidence)
            : null;
    }

    /// <summary>
    /// Confidence from votes: the leading category's share, discounted while the evidence is thin.
    /// One categorisation by a person of an unambiguous payee is enough to be sure; a supermarket needs several that agree.
    /// </summary>
    private Suggestion FromHistory(Dictionary<string, double> votes, double evidenceNeeded, CategoryOption? ruleCategory, decimal? ruleConfidence)
    {
        var total = votes.Values.Sum();
        var (leader, weight) = votes.MaxBy(v => v.Value);
        var share = weight / total;
        var confidence = share * (total / (total + evidenceNeeded));
        if (ruleCategory is not null && ruleCategory.Id == leader)
        {
            // History and the rules agree: independent evidence.
            confidence = 1 - ((1 - confidence) * (1 - (double)ruleConfidence!.Value));
        }

        return new Suggestion(byId[leader], Round(Math.Min(confidence, 0.99)));
    }

    /// <summary>The history payees sharing the most (rare) words with <paramref name="payee"/>, their votes merged.</summary>
    private (Dictionary<string, double> Votes, double Similarity)? Similar(string payee, bool moneyIn)
    {
        var tokens = PayeeNormaliser.Tokens(payee);
        if (tokens.Length == 0)
        {
            return null;
        }

        var payeeCount = Math.Max(1, votesByPayee.Count);
        double Idf(string token) => Math.Log(1 + (payeeCount / (double)((payeesByToken.TryGetValue(token, out var list) ? list.Count : 0) + 1)));
        var weightOfPayee = tokens.Sum(Idf);
        var scores = new Dictionary<(string, bool), double>();
        foreach (var token in tokens)
        {
            if (!payeesByToken.TryGetValue(token, out var candidates))
            {
                continue;
            }

            var idf = Idf(token);
            foreach (var candidate in candidates.Where(k => k.MoneyIn == moneyIn))
            {
                scores[candidate] = scores.GetValueOrDefault(candidate) + idf;
            }
        }

        if (scores.Count == 0)
        {
            return null;
        }

        // Weighted Jaccard: shared words over all words of both payees.
        var ranked = scores
            .Select(s => (Key: s.Key, Similarity: s.Value / (weightOfPayee + PayeeNormaliser.Tokens(s.Key.Item1).Sum(Idf) - s.Value)))
            .Where(s => s.Similarity >= 0.34)
            .OrderByDescending(s => s.Similarity)
            .Take(5)
            .ToList();
        if (ranked.Count == 0)
        {
            return null;
        }

        var best = ranked[0].Similarity;
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, similarity) in ranked.Where(r => r.Similarity >= best * 0.8))
        {
            foreach (var (category, weight) in votesByPayee[key])
            {
                merged[category] = merged.GetValueOrDefault(category) + (weight * similarity);
            }
        }

        return (merged, best);
    }

    private static decimal Round(double confidence) => Math.Round((decimal)confidence, 3, MidpointRounding.ToZero);
}
