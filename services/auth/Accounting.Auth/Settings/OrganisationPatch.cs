using System.Globalization;
using System.Text.RegularExpressions;
using Accounting.Contracts.Auth;
using Accounting.ServiceDefaults.Errors;
using Accounting.ServiceDefaults;
using FluentValidation;

namespace Accounting.Auth.Settings;

/// <summary>
/// <c>PATCH /organisation</c>: a field left out stays as it is, a field sent as null is cleared
/// (where it may be empty). Dates and "MM-DD" travel as text, so a date that does not exist is a
/// 422 naming the field rather than an unreadable body.
/// </summary>
public sealed record OrganisationPatch(
    PatchField<string> Name,
    PatchField<string> Plan,
    PatchField<string> BaseCurrency,
    PatchField<string> Country,
    PatchField<string> FinancialYearEnd,
    PatchField<bool?> VatRegistered,
    PatchField<string> VatNumber,
    PatchField<string> VatScheme,
    PatchField<string> VatPeriod,
    PatchField<int?> VatStagger,
    PatchField<string> IncorporationDate,
    PatchField<string> CompanyNumber,
    PatchField<decimal?> AutoCategoriseThreshold);

/// <summary>Each field on its own; how they combine is <see cref="OrganisationSettingsRules"/>'s business.</summary>
public sealed partial class OrganisationPatchValidator : AbstractValidator<OrganisationPatch>
{
    public const int MaxNameLength = 200;

    public OrganisationPatchValidator(TimeProvider clock)
    {
        RuleFor(p => p.Name).Must(name => !name.IsPresent || (!string.IsNullOrWhiteSpace(name.Value) && name.Value.Trim().Length <= MaxNameLength))
            .WithMessage($"name must be 1 to {MaxNameLength} characters.");
        RuleFor(p => p.Plan).Must(plan => !plan.IsPresent).WithMessage("plan follows the organisation's subscription and cannot be set here.");
        RuleFor(p => p.BaseCurrency).Must(currency => !currency.IsPresent || (currency.Value is not null && Currencies.IsKnown(currency.Value)))
            .WithMessage("base_currency must be the ISO 4217 code, in capitals, of a currency the ledger keeps books in, e.g. GBP.");
        RuleFor(p => p.Country).Must(country => !country.IsPresent || (country.Value is not null && IsoCodes.Countries.Contains(country.Value)))
            .WithMessage("country must be an ISO 3166-1 alpha-2 code in capitals, e.g. GB.");
        RuleFor(p => p.FinancialYearEnd).Must(end => !end.IsPresent || YearEndDay.IsValid(end.Value))
            .WithMessage("financial_year_end must be a real day as MM-DD, e.g. 03-31 (02-29 means the last day of February).");
        RuleFor(p => p.VatRegistered).Must(registered => !registered.IsPresent || registered.Value is not null)
            .WithMessage("vat_registered must be true or false.");
        RuleFor(p => p.VatNumber).Must(number => !number.IsPresent || number.Value is null || UkVatNumber.IsValid(UkVatNumber.Normalise(number.Value)))
            .WithMessage("vat_number must be a UK VAT number: GB and 9 digits with valid check digits (GB980780684), GB and 12 digits for a branch, or GBGD000–499 / GBHA500–999.");
        RuleFor(p => p.VatScheme).Must(scheme => !scheme.IsPresent || scheme.Value is null or OrganisationSettingsRules.StandardScheme)
            .WithMessage("vat_scheme must be standard.");
        RuleFor(p => p.VatPeriod).Must(period => !period.IsPresent || period.Value is null or OrganisationSettingsRules.Quarterly or OrganisationSettingsRules.Monthly)
            .WithMessage("vat_period must be quarterly or monthly.");
        RuleFor(p => p.VatStagger).Must(stagger => !stagger.IsPresent || stagger.Value is null or (>= 1 and <= 3))
            .WithMessage("vat_stagger must be 1 (quarters ending Mar/Jun/Sep/Dec), 2 (Apr/Jul/Oct/Jan) or 3 (May/Aug/Nov/Feb).");
        RuleFor(p => p.IncorporationDate).Must(date => !date.IsPresent || date.Value is null || IsPastDate(date.Value, clock))
            .WithMessage("incorporation_date must be a real date as YYYY-MM-DD, not in the future and not before 1800.");
        RuleFor(p => p.CompanyNumber).Must(number => !number.IsPresent || number.Value is null || CompanyNumber().IsMatch(number.Value.ToUpperInvariant()))
            .WithMessage("company_number must be 8 characters: 8 digits (01234567) or a 2-letter prefix and 6 digits (SC123456).");
        RuleFor(p => p.AutoCategoriseThreshold).Must(threshold => !threshold.IsPresent || threshold.Value is { } t && t >= 0 && t <= 1 && decimal.Round(t, 4) == t)
            .WithMessage("auto_categorise_threshold must be a number from 0 to 1 with at most 4 decimals, e.g. 0.9.");
    }

    /// <summary>The parsed date of a valid <see cref="OrganisationPatch.IncorporationDate"/>.</summary>
    public static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    private static bool IsPastDate(string text, TimeProvider clock) =>
        ParseDate(text) is { } date && date >= new DateOnly(1800, 1, 1) && date <= DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    [GeneratedRegex("^(?:[0-9]{8}|[A-Z]{2}[0-9]{6})$", RegexOptions.CultureInvariant)]
    private static partial Regex CompanyNumber();
}

/// <summary>
/// "MM-DD" of the last day of the financial year. 02-29 is accepted, as Companies House accepts an
/// accounting reference date of 29 February: it is a real day in leap years, and in other years
/// the year ends on the last day of February (28th).
/// </summary>
public static class YearEndDay
{
    private const int LeapYear = 2024;

    public static bool IsValid(string? text) =>
        text is { Length: 5 } && text[2] == '-'
        && int.TryParse(text.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
        && int.TryParse(text.AsSpan(3, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
        && month is >= 1 and <= 12
        && day >= 1 && day <= DateTime.DaysInMonth(LeapYear, month);
}

/// <summary>The settings an organisation has and how a patch may change them (contract §9).</summary>
public static class OrganisationSettingsRules
{
    public const string StandardScheme = "standard";
    public const string Quarterly = "quarterly";
    public const string Monthly = "monthly";

    /// <summary>
    /// The settings after <paramref name="patch"/>, or the fields whose combination is invalid. The
    /// patch's fields have each passed <see cref="OrganisationPatchValidator"/>.
    /// </summary>
    public static (string Name, OrganisationSettings Settings, IReadOnlyList<FieldError> Errors) Apply(
        string name, OrganisationSettings current, OrganisationPatch patch)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(patch);
        var errors = new List<FieldError>();
        var registered = patch.VatRegistered.IsPresent ? patch.VatRegistered.Value!.Value : current.VatRegistered;
        var vat = registered ? Registered(current, patch, errors) : NotRegistered(current, patch, errors);

        var incorporation = patch.IncorporationDate.IsPresent ? OrganisationPatchValidator.ParseDate(patch.IncorporationDate.Value) : current.IncorporationDate;
        var settings = vat with
        {
            BaseCurrency = patch.BaseCurrency.Or(current.BaseCurrency)!,
            Country = patch.Country.Or(current.Country)!,
            FinancialYearEnd = patch.FinancialYearEnd.Or(current.FinancialYearEnd)!,
            IncorporationDate = incorporation,
            CompanyNumber = patch.CompanyNumber.Or(current.CompanyNumber)?.ToUpperInvariant(),
            AutoCategoriseThreshold = patch.AutoCategoriseThreshold.IsPresent ? patch.AutoCategoriseThreshold.Value!.Value : current.AutoCategoriseThreshold,
        };
        return (patch.Name.IsPresent ? patch.Name.Value!.Trim() : name, settings, errors);
    }

    private static OrganisationSettings NotRegistered(OrganisationSettings current, OrganisationPatch patch, List<FieldError> errors)
    {
        if (patch.VatNumber is { IsPresent: true, Value: not null })
        {
            errors.Add(new("vat_number", "A VAT number needs vat_registered: true."));
        }
        else if (current.VatNumber is not null && !patch.VatNumber.IsPresent)
        {
            // The registration number is the one VAT field that cannot be re-derived: it is never dropped by implication.
            errors.Add(new("vat_number", "Turning vat_registered off needs vat_number: null in the same request."));
        }

        if (patch.VatScheme is { IsPresent: true, Value: not null })
        {
            errors.Add(new("vat_scheme", "vat_scheme applies only while vat_registered is true."));
        }

        if (patch.VatPeriod is { IsPresent: true, Value: not null })
        {
            errors.Add(new("vat_period", "vat_period applies only while vat_registered is true."));
        }

        if (patch.VatStagger is { IsPresent: true, Value: not null })
        {
            errors.Add(new("vat_stagger", "vat_stagger applies only while vat_registered is true."));
        }

        return current with { VatRegistered = false, VatNumber = null, VatScheme = null, VatPeriod = null, VatStagger = null };
    }

    private static OrganisationSettings Registered(OrganisationSettings current, OrganisationPatch patch, List<FieldError> errors)
    {
        // Registering starts with the usual arrangement: the standard scheme, quarterly returns.
        var scheme = patch.VatScheme.IsPresent ? patch.VatScheme.Value : current.VatScheme ?? StandardScheme;
        var period = patch.VatPeriod.IsPresent ? patch.VatPeriod.Value : current.VatPeriod ?? Quarterly;
        if (scheme is null)
        {
            errors.Add(new("vat_scheme", "vat_scheme cannot be cleared while vat_registered is true."));
        }

        if (period is null)
        {
            errors.Add(new("vat_period", "vat_period cannot be cleared while vat_registered is true."));
        }

        int? stagger = null;
        if (period == Monthly)
        {
            if (patch.VatStagger is { IsPresent: true, Value: not null })
            {
                errors.Add(new("vat_stagger", "vat_stagger applies only to quarterly returns; monthly returns have none."));
            }
        }
        else if (period == Quarterly)
        {
            stagger = patch.VatStagger.Or(current.VatStagger);
            if (stagger is null)
            {
                errors.Add(new("vat_stagger", "Quarterly returns need vat_stagger: 1 (quarters ending Mar/Jun/Sep/Dec), 2 (Apr/Jul/Oct/Jan) or 3 (May/Aug/Nov/Feb)."));
            }
        }

        var number = patch.VatNumber.IsPresent ? patch.VatNumber.Value is { } sent ? UkVatNumber.Normalise(sent) : null : current.VatNumber;
        return current with { VatRegistered = true, VatNumber = number, VatScheme = scheme, VatPeriod = period, VatStagger = stagger };
    }
}
