import pytest

from bot.conversation import neutralise_text


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
