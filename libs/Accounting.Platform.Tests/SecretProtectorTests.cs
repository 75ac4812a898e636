using System.Security.Cryptography;
using System.Text;
using Accounting.ServiceDefaults.Security;

namespace Accounting.Platform.Tests;

public sealed class SecretProtectorTests
{
    private static readonly byte[] Secret = Encoding.ASCII.GetBytes("12345678901234567890");

    private readonly SecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Protected_data_round_trips()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");

        _protector.Unprotect(protectedData, "totp:usr_123").ShouldBe(Secret);
    }

    [Fact]
    public void Protected_data_is_version_nonce_ciphertext_and_tag()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");

        protectedData.Length.ShouldBe(1 + 12 + Secret.Length + 16);
        protectedData[0].ShouldBe((byte)1);
    }

    [Fact]
    public void An_empty_secret_round_trips()
    {
        byte[] protectedData = _protector.Protect([], "totp:usr_123");

        _protector.Unprotect(protectedData, "totp:usr_123").ShouldBeEmpty();
    }

    [Fact]
    public void Two_encryptions_of_the_same_plaintext_differ()
    {
        byte[] first = _protector.Protect(Secret, "totp:usr_123");
        byte[] second = _protector.Protect(Secret, "totp:usr_123");

        first.ShouldNotBe(second);
        first.AsSpan(1, 12).SequenceEqual(second.AsSpan(1, 12)).ShouldBeFalse();
    }

    [Fact]
    public void Unprotecting_for_another_purpose_throws()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");

        Should.Throw<CryptographicException>(() => _protector.Unprotect(protectedData, "totp:usr_456"));
        Should.Throw<CryptographicException>(() => _protector.Unprotect(protectedData, "signing-key:usr_123"));
    }

    [Fact]
    public void A_flipped_bit_anywhere_throws()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");

        for (int i = 0; i < protectedData.Length; i++)
        {
            byte[] tampered = (byte[])protectedData.Clone();
            tampered[i] ^= 0x01;

            Should.Throw<CryptographicException>(() => _protector.Unprotect(tampered, "totp:usr_123"), $"byte {i}");
        }
    }

    [Fact]
    public void Truncated_data_throws()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");

        Should.Throw<CryptographicException>(() => _protector.Unprotect(protectedData.AsSpan(0, protectedData.Length - 1), "totp:usr_123"));
        Should.Throw<CryptographicException>(() => _protector.Unprotect(protectedData.AsSpan(0, 20), "totp:usr_123"));
        Should.Throw<CryptographicException>(() => _protector.Unprotect([], "totp:usr_123"));
    }

    [Fact]
    public void A_wrong_key_throws()
    {
        byte[] protectedData = _protector.Protect(Secret, "totp:usr_123");
        var other = new SecretProtector(RandomNumberGenerator.GetBytes(32));

        Should.Throw<CryptographicException>(() => other.Unprotect(protectedData, "totp:usr_123"));
    }

    [Fact]
    public void The_constructor_requires_a_32_byte_key()
    {
        Should.Throw<ArgumentException>(() => new SecretProtector(new byte[16]));
    }

    [Fact]
    public void FromKeyFile_reads_a_base64_key_with_surrounding_whitespace()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "  " + Convert.ToBase64String(key) + "\n");
            byte[] protectedData = new SecretProtector(key).Protect(Secret, "totp:usr_123");

            SecretProtector.FromKeyFile(path).Unprotect(protectedData, "totp:usr_123").ShouldBe(Secret);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromKeyFile_rejects_a_16_byte_key_with_a_clear_message()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)) + "\n");

            var e = Should.Throw<InvalidOperationException>(() => SecretProtector.FromKeyFile(path));

            e.Message.ShouldContain(path);
            e.Message.ShouldContain("32 bytes");
            e.Message.ShouldContain("16 bytes");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void FromKeyFile_rejects_text_that_is_not_base64()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a key!");

            Should.Throw<InvalidOperationException>(() => SecretProtector.FromKeyFile(path)).Message.ShouldContain("base64");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
