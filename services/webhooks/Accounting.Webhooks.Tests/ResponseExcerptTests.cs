using Accounting.Webhooks.Dispatch;

namespace Accounting.Webhooks.Tests;

public sealed class ResponseExcerptTests
{
    [Fact]
    public void A_character_the_cap_cuts_in_two_is_left_out_rather_than_garbled()
    {
        ResponseExcerpt.Decode([.. "caf"u8, 0xC3], capped: true).ShouldBe("caf");
        ResponseExcerpt.Decode([.. "ok "u8, 0xF0, 0x9F, 0x98], capped: true).ShouldBe("ok ");
    }

    [Fact]
    public void A_body_that_really_ends_in_half_a_character_shows_a_replacement()
    {
        ResponseExcerpt.Decode([.. "caf"u8, 0xC3], capped: false).ShouldBe("caf\uFFFD");
    }

    [Fact]
    public void Nul_bytes_invalid_sequences_and_unpaired_surrogates_become_replacement_characters()
    {
        ResponseExcerpt.Decode([0x00, 0xFF, 0xC0, 0xAF, .. "é"u8], capped: false).ShouldBe("\uFFFD\uFFFD\uFFFD\uFFFDé");
        ResponseExcerpt.Storable("a\0b\uD800c").ShouldBe("a\uFFFDb\uFFFDc");
        ResponseExcerpt.Storable(null).ShouldBeNull();
    }
}
