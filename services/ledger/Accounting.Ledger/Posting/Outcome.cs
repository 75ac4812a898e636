using Accounting.ServiceDefaults.Errors;

namespace Accounting.Ledger.Posting;

/// <summary>A value, or the contract error explaining why there is none.</summary>
public readonly record struct Outcome<T>(T? Value, ApiError? Error)
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ApiError error) => new(default, error);
}
