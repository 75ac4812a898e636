using Accounting.Ledger.Posting;
using FluentValidation;

namespace Accounting.Ledger.Endpoints;

/// <summary>Validation rules shared by every request that carries money, dates or lines.</summary>
internal static class LedgerRules
{
    public const int MaxLines = 500;

    public static IRuleBuilderOptions<T, string?> Currency<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().Must(Money.IsKnownCurrency).WithMessage("currency must be a supported ISO 4217 code in capitals, e.g. GBP.");

    public static IRuleBuilderOptions<T, DateOnly?> PlausibleDate<T>(this IRuleBuilder<T, DateOnly?> rule) =>
        rule.NotNull().Must(LedgerDates.IsPlausible).WithMessage((_, _) => "{PropertyName} " + LedgerDates.PlausibleMessage);

    /// <summary>A positive amount below 10^13 with no more decimals than <paramref name="currencyOf"/> allows.</summary>
    public static IRuleBuilderOptions<T, decimal?> PositiveAmount<T>(this IRuleBuilder<T, decimal?> rule, Func<T, string?> currencyOf) =>
        rule.GreaterThan(0).WithMessage("{PropertyName} must be greater than zero.")
            .LessThan(Money.Limit).WithMessage("{PropertyName} must be less than 10,000,000,000,000.")
            .Must((request, amount) => amount is not { } value || Money.FitsCurrency(value, currencyOf(request)))
            .WithMessage((request, _) => $"{{PropertyName}} has more decimals than {currencyOf(request)} allows.");
}
