import pytest

from bot.domain.refs import Ref, ReferenceError_, parse_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#12", Ref(number=12)),
        ("12", Ref(number=12)),
        ("  # 3146 ", Ref(number=3146)),
        ("1234567890123456789", Ref(raw_id=1234567890123456789)),
        (
            "https://discord.com/channels/111111111111111111/222222222222222222/333333333333333333",
            Ref(guild_id=111111111111111111, channel_id=222222222222222222, message_id=333333333333333333),
        ),
        (
            "https://discord.com/channels/111111111111111111/222222222222222222",
            Ref(guild_id=111111111111111111, channel_id=222222222222222222),
        ),
        ("<https://ptb.discord.com/channels/1/2/3>", Ref(guild_id=1, channel_id=2, message_id=3)),
        ("https://discordapp.com/channels/@me/2/3", Ref(guild_id=None, channel_id=2, message_id=3)),
    ],
)
def test_parse_ref_accepts_the_four_forms(text, expected):
    assert parse_ref(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "abc", "#", "#-3", "0", "#0", "12a", "https://example.com/channels/1/2", "`rm -rf`", "#" + "9" * 30],
)
def test_parse_ref_rejects_everything_else_clearly(text):
    with pytest.raises(ReferenceError_) as caught:
        parse_ref(text)
    assert str(caught.value)
