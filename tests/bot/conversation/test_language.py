import pytest

from bot.conversation.language import detect_language, normalise_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hoi", "nl"),
        ("hallo", "nl"),
        ("goedemorgen!", "nl"),
        ("wat doet een data-analist", "nl"),
        ("ik ben 47, te oud?", "nl"),
        ("is er een lening zonder rente", "nl"),
        ("kan ik met iemand praten", "nl"),
        ("bedankt", "nl"),
        ("is dat bruto of netto?", "nl"),  # "is" and "of" are Dutch words too
        ("hello", "en"),
        ("hi there", "en"),
        ("I don't own a laptop", "en"),
        ("can I talk to someone", "en"),
        ("what does a data analyst do", "en"),
        ("thanks!", "en"),
    ],
)
def test_detects_the_language_of_typical_messages(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["ok", "menu", "👍", "12", "", "/ask_careers", "intake"])
@pytest.mark.parametrize("current", ["nl", "en"])
def test_unclear_messages_keep_the_conversation_language(text: str, current: str) -> None:
    assert detect_language(text, current=current) == current


@pytest.mark.parametrize("text", ["tell me a joke", "r u a bot", "help me fix my python code"])
def test_short_english_chat_is_english_even_in_a_dutch_conversation(text: str) -> None:
    assert detect_language(text, current="nl") == "en"


def test_a_single_english_word_in_dutch_does_not_switch_a_long_message() -> None:
    assert detect_language("ik wil graag meer weten over de opleiding data", current="nl") == "nl"
    assert detect_language("kan ik een laptop lenen voor de training", current="en") == "nl"


def test_channel_hint_decides_only_when_the_text_does_not() -> None:
    assert detect_language("ok", hint="en-GB") == "en"
    assert detect_language("ok", hint="nl_NL") == "nl"
    assert detect_language("ok", hint="tr") == "nl"  # unsupported: Dutch first
    assert detect_language("hello", hint="nl") == "en"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("English", "en"),
        ("engels", "en"),
        ("nl", "nl"),
        ("Dutch", "nl"),
        ("en-US", "en"),
        ("fr", None),
        ("", None),
        (None, None),
        (3, None),
    ],
)
def test_normalise_language(value: object, expected: str | None) -> None:
    assert normalise_language(value) == expected
