using System.Security.Cryptography;

namespace Accounting.ServiceDefaults;

/// <summary>
/// Opaque ids with a type prefix (contract §1): <c>usr_4Fq…</c>. Random, so they reveal
/// neither volume nor order, and 128+ bits of entropy make guessing another tenant's ids futile.
/// </summary>
public static class Ids
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New(string prefix) => prefix + "_" + RandomBase62(22);

    /// <summary>Uniformly random base62 text (no modulo bias), for ids and secrets alike.</summary>
    public static string RandomBase62(int length) => RandomNumberGenerator.GetString(Base62, length);
}
