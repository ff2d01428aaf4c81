"""The retrieval index: which intent's examples share the message's words, despite typos."""

import pytest

from bot.understanding.retrieval import Index, Match, combine, second_answer, words

EXAMPLES = [
    ("fact/address", "waar zitten jullie"),
    ("fact/address", "what is your address"),
    ("fact/intake", "wat is een intake"),
    ("fact/intake", "hoe lang duurt het gesprek"),
    ("costs", "wat kost de opleiding"),
    ("costs", "how much does the training cost"),
    ("ask_track_work", "wat doet een data analist"),
    ("greet", "hoi"),
]


@pytest.fixture(scope="module")
def index() -> Index:
    return Index(EXAMPLES)


def test_the_intent_whose_example_shares_the_words_comes_first(index: Index) -> None:
    ranked = index.rank("what's your address?")
    assert ranked[0].intent == "fact/address"
    assert ranked[0].example == "what is your address"
    assert ranked[0].coverage > 0.5


def test_inflected_forms_meet_in_one_stem(index: Index) -> None:
    """ "opleidingen" and "kosten" find "opleiding" and "kost"."""
    assert index.rank("wat kosten de opleidingen")[0].intent == "costs"


def test_a_typo_still_finds_its_word(index: Index) -> None:
    assert index.rank("adress please")[0].intent == "fact/address"
    assert index.rank("wat kost de opleding")[0].intent == "costs"


def test_an_unknown_dutch_compound_is_split_into_known_words(index: Index) -> None:
    assert index.tokens("intakegesprek") == index.tokens("intake gesprek")
    assert index.rank("hoe lang duurt een intakegesprek")[0].intent == "fact/intake"


def test_a_message_of_unseen_words_is_covered_little_anywhere(index: Index) -> None:
    ranked = index.rank("maak een rijmpje over mijn buurvrouw")
    assert all(match.coverage < 0.3 for match in ranked)
    assert index.rank("qwrtzp xkcdv") == []


def test_accents_and_case_do_not_matter() -> None:
    assert words("Één Café, ÜBER!") == ["een", "cafe", "uber"]


def test_an_empty_index_finds_nothing() -> None:
    assert Index([]).rank("wat kost het") == []


def test_combining_pulls_a_sure_intent_without_shared_words_down() -> None:
    mixed = combine({"costs": 0.98, "greet": 0.02}, {"greet": 0.1}, weight=0.5)
    assert mixed["costs"] == pytest.approx(0.49)
    assert combine({"costs": 0.7}, {"costs": 0.9}, weight=0.0) == {"costs": 0.7}


COMPOUND = [
    ("concern/age", "ik ben 50, kan ik nog meedoen"),
    ("concern/age", "ben ik niet te oud"),
    ("concern/no_degree", "ik heb geen diploma"),
    ("concern/no_degree", "zonder diploma, mag ik wel meedoen"),
    ("support/laptop", "krijg ik een laptop"),
    ("support/laptop", "kan ik een laptop lenen"),
    ("greet", "hoi hallo"),
    ("greet", "hoi, kan ik iets vragen"),
]


def also(index: Index, text: str, *, first: str) -> Match | None:
    return second_answer(index, text, first=first, matches=index.rank(text))


def test_a_compound_question_finds_its_second_answer() -> None:
    """ "ik ben 52 en heb geen diploma": age first, the diploma too (52 ~ 50: a number)."""
    index = Index(COMPOUND)
    found = also(index, "ik ben 52 en heb geen diploma", first="concern/age")
    assert found is not None
    assert found.intent == "concern/no_degree"


def test_one_question_or_an_unmatched_part_has_no_second_answer() -> None:
    index = Index(COMPOUND)
    assert also(index, "ik heb geen diploma", first="concern/no_degree") is None
    # "kan ik toch meedoen" is the same question's tail: "meedoen" is no one answer's topic
    tail = "ik heb geen diploma, kan ik toch meedoen"
    assert also(index, tail, first="concern/no_degree") is None
    assert also(index, "hoi hallo, ik heb geen diploma", first="concern/no_degree") is None
    # the first answer must be one of the parts: otherwise Tekkie misread the message
    assert also(index, "ik ben 52 en heb geen diploma", first="support/laptop") is None


def test_emoji_times_and_plain_numbers_give_no_words(index: Index) -> None:
    """Nothing to weigh: DIET decides alone ("👍" is a yes, "2" picks an option)."""
    for text in ("👍", "2", "10:30", "14.00"):
        assert index.tokens(text) == []
    assert index.tokens("ik ben 52") == index.tokens("ik ben 47")  # an age is an age


def test_repeating_a_word_does_not_make_a_message_match_better(index: Index) -> None:
    (once,) = [m for m in index.rank("wat kost de opleiding") if m.intent == "costs"]
    (thrice,) = [m for m in index.rank("kost kost kost de opleiding wat") if m.intent == "costs"]
    assert thrice.coverage == pytest.approx(once.coverage)


def test_a_very_long_word_is_not_taken_apart(index: Index) -> None:
    """Splitting every tail of a 2000-letter word would block Rasa for seconds."""
    assert len(index.tokens("a" * 1999)) == 1
