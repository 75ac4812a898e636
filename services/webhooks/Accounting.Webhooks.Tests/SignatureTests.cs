using Accounting.Webhooks.Dispatch;

namespace Accounting.Webhooks.Tests;

public sealed class SignatureTests
{
    [Fact]
    public void The_signature_matches_the_Standard_Webhooks_published_example()
    {
        var signature = WebhookSignature.Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}""");

        signature.ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    [Fact]
    public void During_a_rotation_the_header_carries_the_new_signature_then_the_old()
    {
        var header = WebhookSignature.Header("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_" + Convert.ToBase64String(new byte[24]), "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, """{"test": 2432232314}""");

        var signatures = header.Split(' ');
        signatures.Length.ShouldBe(2);
        signatures[0].ShouldBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        signatures[1].ShouldStartWith("v1,");
        signatures[1].ShouldNotBe(signatures[0]);
    }

    [Fact]
    public void New_secrets_are_whsec_and_24_random_bytes()
    {
        var secret = WebhookSignature.NewSecret();

        secret.ShouldStartWith("whsec_");
        Convert.FromBase64String(secret["whsec_".Length..]).Length.ShouldBe(24);
        WebhookSignature.NewSecret().ShouldNotBe(secret);
    }
}
