"""The "which track suits me?" check: the shipped file, scoring, typed answers and edit errors."""

import itertools
from pathlib import Path

import pytest

from bot.guidance.assessment import (
    ASSESSMENT_FILE,
    Assessment,
    assessment,
    load_assessment,
    match_option,
    score,
)
from bot.guidance.content import content
from bot.texts import ContentError

TRACKS = ["programmer", "data_analyst", "growth_hacker", "ux_designer", "ai_specialist"]
QUESTIONS = [
    "interests",
    "enjoy",
    "experience",
    "hours",
    "learning",
    "language",
    "working_style",
    "attraction",
]
# One plausible set of answers per track, in question order. Little or everyday computer
# experience on purpose: it must not keep anyone from any track.
EXAMPLES = {
    "programmer": "building puzzles little up_to_16 doing mostly_dutch mix steady",
    "data_analyst": "numbers puzzles little up_to_16 reading both alone data",
    "growth_hacker": "people ideas everyday up_to_16 doing mostly_dutch team creative",
    "ux_designer": "people design little up_to_16 together mostly_dutch team creative",
    "ai_specialist": "numbers puzzles little more_than_24 reading mostly_english alone new_tech",
}


def answers(options: str) -> dict[str, str]:
    return dict(zip(QUESTIONS, options.split(), strict=True))


def all_answer_sets(shipped: Assessment) -> list[dict[str, str]]:
    choices = [[o.id for o in q.options] for q in shipped.questions]
    return [dict(zip(QUESTIONS, combo, strict=True)) for combo in itertools.product(*choices)]


def test_the_shipped_file_is_valid() -> None:
    shipped = load_assessment()
    assert [q.id for q in shipped.questions] == QUESTIONS
    assert shipped.track_ids == tuple(t.id for t in content().tracks.tracks) == tuple(TRACKS)
    assert all(2 <= len(q.options) <= 4 for q in shipped.questions)
    assert assessment() is assessment()


@pytest.mark.parametrize("track", TRACKS)
def test_each_example_answer_set_suggests_its_track(track: str) -> None:
    result = score(assessment(), answers(EXAMPLES[track]))
    assert result.track == track
    assert result.scores[track] > result.scores[result.runner_up]


def test_every_track_can_win_whatever_the_experience_and_hours() -> None:
    shipped = assessment()
    winners: dict[tuple[str, str], set[str]] = {}
    for answer_set in all_answer_sets(shipped):
        key = (answer_set["experience"], answer_set["hours"])
        winners.setdefault(key, set()).add(score(shipped, answer_set).track)
    assert len(winners) == 9
    assert all(found == set(TRACKS) for found in winners.values()), winners


def test_ties_go_to_the_track_listed_first_in_tracks_yml() -> None:
    tie = {"enjoy": "ideas", "attraction": "new_tech"}  # growth_hacker 3, ai_specialist 3
    result = score(assessment(), tie)
    assert (result.track, result.runner_up) == ("growth_hacker", "ai_specialist")
    assert score(assessment(), tie) == result
    reversed_order = load_assessment(track_ids=list(reversed(TRACKS)))
    result = score(reversed_order, tie)
    assert (result.track, result.runner_up) == ("ai_specialist", "growth_hacker")
    assert list(result.scores) == list(reversed(TRACKS))
    nothing = score(assessment(), {})
    assert (nothing.track, nothing.runner_up) == ("programmer", "data_analyst")
    assert set(nothing.scores.values()) == {0}


def test_the_result_is_stored_as_plain_data() -> None:
    given = answers(EXAMPLES["ux_designer"])
    stored = score(assessment(), given).as_dict()
    assert stored == {
        "answers": given,
        "track": "ux_designer",
        "runner_up": "growth_hacker",
        "scores": {
            "programmer": 0,
            "data_analyst": 1,
            "growth_hacker": 6,
            "ux_designer": 11,
            "ai_specialist": 0,
        },
    }


@pytest.mark.parametrize(
    "given",
    [{"hobbies": "people"}, {"interests": "animals"}, {"interests": "People"}],
)
def test_unknown_question_or_option_ids_are_refused(given: dict[str, str]) -> None:
    with pytest.raises(ValueError, match=r"unknown question|has no option"):
        score(assessment(), given)


@pytest.mark.parametrize(
    ("question", "text", "language", "expected"),
    [
        # digits: the button numbers
        ("interests", "1", "nl", "people"),
        ("interests", " 2. ", "en", "numbers"),
        ("attraction", "4", "nl", "new_tech"),
        ("interests", "3️⃣", "en", "building"),
        ("interests", "4", "nl", None),
        ("interests", "0", "en", None),
        # titles, in either language, any case, emoji and punctuation ignored
        ("interests", "mensen", "nl", "people"),
        ("interests", "PEOPLE", "nl", "people"),
        ("interests", "👥 Mensen!", "nl", "people"),
        ("interests", "Numbers and patterns 📊", "en", "numbers"),
        ("enjoy", "Ideeen uitproberen", "nl", "ideas"),
        ("language", "Nederlands én Engels", "nl", "both"),
        ("hours", "16 to 24 hours", "en", "from_16_to_24"),
        # synonyms contained as a word
        ("interests", "ik hou van cijfers 😊", "nl", "numbers"),
        ("interests", "I like building stuff", "en", "building"),
        ("experience", "ik heb geen ervaring", "nl", "little"),
        ("experience", "not much really", "en", "little"),
        ("language", "nederlands en engels", "nl", "both"),
        ("language", "engels", "en", "mostly_english"),  # the other language as a fallback
        ("working_style", "working in a team please", "en", "team"),
        ("attraction", "iets met AI", "nl", "new_tech"),
        # nonsense, emoji only, ambiguous or negated: unclear
        ("interests", "banaan", "nl", None),
        ("interests", "banana", "en", None),
        ("interests", "👍", "en", None),
        ("interests", "", "nl", None),
        ("interests", "mensen en cijfers", "nl", None),
        ("interests", "people or numbers", "en", None),
        ("interests", "niet met mensen", "nl", None),
        ("interests", "not people", "en", None),
        ("interests", "mensenhandel", "nl", None),  # a synonym only counts as a whole word
    ],
)
def test_typed_answers_are_matched_to_an_option(
    question: str, text: str, language: str, expected: str | None
) -> None:
    assert match_option(assessment().question(question), text, language=language) == expected


PEOPLE = 'points: {ux_designer: 2, growth_hacker: 1}\n        why: {nl: "je graag met mensen'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            PEOPLE,
            PEOPLE.replace("ux_designer", "designer"),
            "assessment.yml: questions.0.options.0.points: Value error, unknown track 'designer'",
        ),
        (
            'title: {nl: "Mensen", en: "People"}',
            'title: {nl: "Mensen die ik ontmoet", en: "People"}',
            "assessment.yml: questions.0.options.0.title.nl: String should have at most 20",
        ),
        (
            "      - id: numbers",
            "      - id: people",
            "assessment.yml: questions.0.options: Value error, option id 'people' appears twice",
        ),
        (
            "[cijfers, getallen,",
            "[cijfers, mensen,",
            "assessment.yml: questions.0.options: Value error, nl synonym 'mensen' appears twice",
        ),
        (
            "[mensen, mens,",
            "[Mensen, mens,",
            "assessment.yml: questions.0.options.0.synonyms.nl.0: Value error, write synonyms in",
        ),
        (
            ', en: "you like working with people"}',
            "}",
            "assessment.yml: questions.0.options.0.why.en: Field required",
        ),
        (
            "points: {ai_specialist: 3}",
            "points: {ai_specialist: 5}",
            "assessment.yml: questions.7.options.3.points.ai_specialist: Input should be less",
        ),
        (
            "  - id: enjoy",
            "  - id: interests",
            "assessment.yml: questions: Value error, question id 'interests' appears twice",
        ),
    ],
)
def test_editing_mistakes_name_the_file_and_the_field(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = ASSESSMENT_FILE.read_text(encoding="utf-8")
    assert old in text
    edited = tmp_path / "assessment.yml"
    edited.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as error:
        load_assessment(path=edited)
    assert message in str(error.value)


def test_points_must_name_a_track_that_exists() -> None:
    with pytest.raises(ContentError, match="points: Value error, unknown track 'ux_designer'"):
        load_assessment(track_ids=["programmer", "data_analyst", "growth_hacker", "ai_specialist"])
    with pytest.raises(ContentError, match=r"^nowhere\.yml: cannot read"):
        load_assessment(path=ASSESSMENT_FILE.with_name("nowhere.yml"))


@pytest.mark.parametrize(
    ("given", "nl", "en"),
    [
        (
            {},
            "Dit past het best bij je antwoorden.",
            "This fits your answers best.",
        ),
        (
            {"enjoy": "design"},
            "Dit past bij je omdat je graag dingen ontwerpt.",
            "This suits you because you enjoy designing things.",
        ),
        (
            {"interests": "people", "enjoy": "design"},
            "Dit past bij je omdat je graag met mensen werkt en je graag dingen ontwerpt.",
            "This suits you because you like working with people and you enjoy designing things.",
        ),
        (
            answers(EXAMPLES["ux_designer"]),  # 6 answers help; the 3 strongest are named
            "Dit past bij je omdat je graag met mensen werkt, je graag dingen ontwerpt en je "
            "creatief werk zoekt.",
            "This suits you because you like working with people, you enjoy designing things and "
            "you're looking for creative work.",
        ),
        (
            answers(EXAMPLES["growth_hacker"]),  # equal points: the earlier questions count
            "Dit past bij je omdat je graag met mensen werkt, je graag nieuwe ideeën uitprobeert "
            "en de opleiding goed in je week past.",
            "This suits you because you like working with people, you like trying out new ideas "
            "and the training fits well into your week.",
        ),
    ],
)
def test_why_reads_naturally_in_both_languages(given: dict[str, str], nl: str, en: str) -> None:
    result = score(assessment(), given)
    assert result.why("nl") == nl
    assert result.why("en") == en


def test_every_reason_fits_the_sentence() -> None:
    for question in assessment().questions:
        for option in question.options:
            assert option.why.nl.startswith(("je ", "de ")), option.id
            assert option.why.en.startswith(("you ", "you're ", "the ")), option.id
            assert not option.why.nl.endswith("."), option.id
            assert not option.why.en.endswith("."), option.id
            assert " en " not in option.why.nl, option.id  # reasons are joined with "en"
            assert " and " not in option.why.en, option.id
