import pytest

from bot.conversation.turn import looks_like_mashing, neutralise_text


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/greet", "greet"),
        ('/book_intake{"slot": 1}', 'book_intake{"slot": 1}'),
        ("  //restart ", "restart"),
        ("/ /x", "x"),
        ("hoi /greet", "hoi /greet"),
        ("wat is 1/2?", "wat is 1/2?"),
        ("  hallo  ", "hallo"),
        ("/", ""),
    ],
)
def test_typed_text_never_starts_with_a_slash(typed: str, sent: str) -> None:
    assert neutralise_text(typed) == sent


@pytest.mark.parametrize(
    ("text", "mashing"),
    [
        ("qwzx plorf vrrmb", True),
        ("asdfgh", True),
        ("hfhfhf", True),
        ("ok", False),
        ("thx", False),
        ("wat kost het?", False),
        ("angstschreeuw, wat nu", False),
        ("fatima@example.nl", False),
        ("+31 6 12345678", False),
        ("Fatima El Amrani", False),
    ],
)
def test_keyboard_mashing_is_recognised(text: str, mashing: bool) -> None:
    assert looks_like_mashing(text) is mashing
