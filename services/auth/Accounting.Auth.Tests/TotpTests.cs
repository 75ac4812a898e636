using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Accounting.Auth.Security;
using Base32Encoding = OtpNet.Base32Encoding;

namespace Accounting.Auth.Tests;

public sealed class TotpTests
{
    // RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    private static readonly byte[] RfcSecret = Encoding.ASCII.GetBytes("12345678901234567890");

    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 15, TimeSpan.Zero);

    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Codes_match_the_RFC_6238_test_vectors(long unixSeconds, string expected)
    {
        long step = Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

        Totp.Code(RfcSecret, step, digits: 8).ShouldBe(expected);
    }

    [Fact]
    public void Time_steps_are_30_seconds_from_the_Unix_epoch()
    {
        Totp.TimeStep(DateTimeOffset.UnixEpoch).ShouldBe(0);
        Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(29)).ShouldBe(0);
        Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(30)).ShouldBe(1);
        Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(1111111109)).ShouldBe(0x23523EC);
    }

    [Fact]
    public void Codes_have_6_digits_by_default_and_keep_leading_zeros()
    {
        long step = Totp.TimeStep(DateTimeOffset.FromUnixTimeSeconds(1111111109));

        // The 8-digit vector is 07081804; 6 digits are the same value modulo 10^6.
        Totp.Code(RfcSecret, step).ShouldBe("081804");
    }

    [Fact]
    public void Generated_secrets_are_20_random_bytes()
    {
        byte[] first = Totp.GenerateSecret();
        byte[] second = Totp.GenerateSecret();

        first.Length.ShouldBe(20);
        second.Length.ShouldBe(20);
        first.ShouldNotBe(second);
    }

    [Theory]
    [InlineData("f", "MY")]
    [InlineData("fo", "MZXQ")]
    [InlineData("foo", "MZXW6")]
    [InlineData("foob", "MZXW6YQ")]
    [InlineData("fooba", "MZXW6YTB")]
    [InlineData("foobar", "MZXW6YTBOI")]
    public void Base32_matches_the_RFC_4648_test_vectors_without_padding(string plain, string encoded)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(plain);

        Totp.ToBase32(bytes).ShouldBe(encoded);
        Base32Encoding.ToBytes(encoded).ShouldBe(bytes);
    }

    [Fact]
    public void Base32_round_trips_every_length()
    {
        for (int length = 1; length <= 41; length++)
        {
            byte[] data = RandomNumberGenerator.GetBytes(length);

            Base32Encoding.ToBytes(Totp.ToBase32(data)).ShouldBe(data);
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public void Verify_accepts_the_previous_current_and_next_step(int offset)
    {
        long step = Totp.TimeStep(Now) + offset;

        Totp.Verify(RfcSecret, Totp.Code(RfcSecret, step), Now, lastUsedStep: null).ShouldBe(step);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    public void Verify_refuses_codes_two_steps_away(int offset)
    {
        long step = Totp.TimeStep(Now) + offset;

        Totp.Verify(RfcSecret, Totp.Code(RfcSecret, step), Now, lastUsedStep: null).ShouldBeNull();
    }

    [Fact]
    public void Verify_refuses_a_replay_of_the_same_code()
    {
        string code = Totp.Code(RfcSecret, Totp.TimeStep(Now));
        long? used = Totp.Verify(RfcSecret, code, Now, lastUsedStep: null);

        used.ShouldNotBeNull();
        Totp.Verify(RfcSecret, code, Now, used).ShouldBeNull();
        Totp.Verify(RfcSecret, code, Now.AddSeconds(30), used).ShouldBeNull();
    }

    [Fact]
    public void Verify_refuses_an_older_step_once_a_newer_one_was_used()
    {
        long step = Totp.TimeStep(Now);

        Totp.Verify(RfcSecret, Totp.Code(RfcSecret, step - 1), Now, lastUsedStep: step).ShouldBeNull();
        Totp.Verify(RfcSecret, Totp.Code(RfcSecret, step + 1), Now, lastUsedStep: step).ShouldBe(step + 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12345a")]
    [InlineData("12 345")]
    [InlineData("１２３４５６")]
    public void Verify_refuses_codes_that_are_not_exactly_6_ASCII_digits(string code)
    {
        Totp.Verify(RfcSecret, code, Now, lastUsedStep: null).ShouldBeNull();
    }

    [Fact]
    public void Verify_refuses_a_right_code_with_extra_characters()
    {
        long step = Totp.TimeStep(Now);
        string code = Totp.Code(RfcSecret, step);

        Totp.Verify(RfcSecret, code, Now, null).ShouldBe(step);
        Totp.Verify(RfcSecret, " " + code, Now, null).ShouldBeNull();
        Totp.Verify(RfcSecret, code + "\n", Now, null).ShouldBeNull();
        Totp.Verify(RfcSecret, Totp.Code(RfcSecret, step, digits: 8), Now, null).ShouldBeNull();
    }

    [Theory]
    [InlineData("2026-01-01T00:00:00Z")]
    [InlineData("2026-03-14T15:09:26Z")]
    [InlineData("2033-05-18T03:33:20Z")]
    public async Task Codes_match_oathtool(string time)
    {
        var at = DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);
        byte[] secret = Totp.GenerateSecret();

        string expected = await OathtoolAsync(Totp.ToBase32(secret), at);

        Totp.Code(secret, Totp.TimeStep(at)).ShouldBe(expected);
        Totp.Verify(secret, expected, at, lastUsedStep: null).ShouldBe(Totp.TimeStep(at));
    }

    [Fact]
    public void The_otpauth_URI_carries_the_authenticator_parameters_and_escapes_the_label()
    {
        byte[] secret = Encoding.ASCII.GetBytes("foobar");

        string uri = Totp.OtpAuthUri("Acme Books", "ada lovelace@example.com", secret);

        uri.ShouldStartWith("otpauth://totp/Acme%20Books:ada%20lovelace%40example.com?");
        uri.ShouldContain("secret=MZXW6YTBOI");
        uri.ShouldContain("issuer=Acme%20Books");
        uri.ShouldContain("algorithm=SHA1");
        uri.ShouldContain("digits=6");
        uri.ShouldContain("period=30");
        uri.ShouldNotContain(" ");
        uri.ShouldNotContain("@");
    }

    // oathtool (Debian package "oathtool") is the reference implementation from OATH Toolkit.
    private static async Task<string> OathtoolAsync(string base32Secret, DateTimeOffset at)
    {
        var start = new ProcessStartInfo("oathtool")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "--totp", "-b", base32Secret, "-N", at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("oathtool did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException("oathtool is not installed: install the Debian package 'oathtool'.", e);
        }

        using (process)
        {
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.ShouldBe(0, await error);
            return output.Trim();
        }
    }
}
