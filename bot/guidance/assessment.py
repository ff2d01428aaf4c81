"""The "which track suits me?" check: dialogues/content/assessment.yml, typed answers, scoring."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Self

import yaml
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from bot.guidance.content import CONTENT_DIR, Strict, Text, content
from bot.texts import ContentError, problems

ASSESSMENT_FILE = CONTENT_DIR / "assessment.yml"
MAX_TITLE = 20  # WhatsApp's limit for a quick-reply button
MAX_REASONS = 3
# Words that turn "numbers" into "not numbers": typed answers with these are unclear.
NEGATIONS = frozenset("niet geen nooit hekel not no never don dont hate".split())  # noqa: SIM905
_WHY = {
    "nl": ("Dit past bij je omdat {}.", " en ", "Dit past het best bij je antwoorden."),
    "en": ("This suits you because {}.", " and ", "This fits your answers best."),
}


def normalise(text: str) -> str:
    """Lowercase words without accents, emoji or punctuation: "Ideeën! 💡" -> "ideeen"."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def _word(value: str) -> str:
    if value != value.lower() or not normalise(value):
        raise ValueError("write synonyms in lowercase letters")
    return value


def _unique(values: Sequence[str], what: str) -> None:
    doubles = [value for value, count in Counter(values).items() if count > 1]
    if doubles:
        raise ValueError(f"{what} {doubles[0]!r} appears twice")


def _known_tracks(context: object) -> tuple[str, ...]:
    if isinstance(context, dict) and "track_ids" in context:
        return tuple(context["track_ids"])
    return tuple(t.id for t in content().tracks.tracks)


Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Word = Annotated[str, AfterValidator(_word)]
Points = Annotated[int, Field(ge=0, le=3)]


class Title(Text):
    """A button title in both languages, short enough for WhatsApp."""

    nl: str = Field(min_length=1, max_length=MAX_TITLE)
    en: str = Field(min_length=1, max_length=MAX_TITLE)


class Reason(Text):
    """Half a sentence for the result, e.g. nl "je graag met mensen werkt"."""

    nl: str = Field(min_length=3, max_length=80)
    en: str = Field(min_length=3, max_length=80)


class Synonyms(Strict):
    """Typed words that mean an option, per language."""

    nl: list[Word] = Field(min_length=2, max_length=6)
    en: list[Word] = Field(min_length=2, max_length=6)

    def get(self, language: str) -> list[str]:
        """The words in `language` (Dutch unless English)."""
        return self.en if language == "en" else self.nl


class Option(Strict):
    """One answer to a question."""

    id: Id
    title: Title
    synonyms: Synonyms
    points: dict[str, Points]
    why: Reason

    @field_validator("points")
    @classmethod
    def _tracks_exist(cls, points: dict[str, int], info: ValidationInfo) -> dict[str, int]:
        known = _known_tracks(info.context)
        if unknown := [track_id for track_id in points if track_id not in known]:
            raise ValueError(f"unknown track {unknown[0]!r}; use one of: {', '.join(known)}")
        return points


class Question(Strict):
    """One question with its options."""

    id: Id
    text: Text
    options: list[Option] = Field(min_length=2, max_length=4)

    @field_validator("options")
    @classmethod
    def _unique_options(cls, options: list[Option]) -> list[Option]:
        _unique([o.id for o in options], "option id")
        for lang in ("nl", "en"):
            _unique([normalise(o.title.get(lang)) for o in options], f"{lang} title")
            _unique(
                [normalise(w) for o in options for w in o.synonyms.get(lang)], f"{lang} synonym"
            )
        return options

    def option(self, option_id: str) -> Option:
        """The option with this id; ValueError when there is none."""
        if (found := next((o for o in self.options if o.id == option_id), None)) is None:
            raise ValueError(f"question {self.id!r} has no option {option_id!r}")
        return found


class Assessment(Strict):
    """The file assessment.yml."""

    version: int
    questions: list[Question] = Field(min_length=6, max_length=10)
    _track_ids: tuple[str, ...] = ()  # set from the validation context

    @field_validator("questions")
    @classmethod
    def _unique_questions(cls, questions: list[Question]) -> list[Question]:
        _unique([q.id for q in questions], "question id")
        return questions

    @model_validator(mode="after")
    def _remember_tracks(self, info: ValidationInfo) -> Self:
        self._track_ids = _known_tracks(info.context)
        return self

    @property
    def track_ids(self) -> tuple[str, ...]:
        """The known track ids, in the order of tracks.yml (which breaks ties)."""
        return self._track_ids

    def question(self, question_id: str) -> Question:
        """The question with this id; ValueError when there is none."""
        if (found := next((q for q in self.questions if q.id == question_id), None)) is None:
            raise ValueError(f"unknown question {question_id!r}")
        return found


@dataclass(frozen=True)
class Result:
    """The suggested track, the runner-up, all scores and the reasons why."""

    answers: dict[str, str]
    track: str
    runner_up: str
    scores: dict[str, int]
    reasons: tuple[Reason, ...]

    def why(self, language: str) -> str:
        """A short paragraph: why the suggested track suits these answers."""
        sentence, and_, fallback = _WHY["en" if language == "en" else "nl"]
        parts = [r.get(language).strip().rstrip(".") for r in self.reasons]
        joined = and_.join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)
        return sentence.format(joined) if parts else fallback

    def as_dict(self) -> dict[str, object]:
        """What to store on the lead: answers, track, runner_up and scores."""
        return {key: value for key, value in asdict(self).items() if key != "reasons"}


def score(assessment: Assessment, answers: dict[str, str]) -> Result:
    """Add up the points of {question id: option id}; a tie goes to the track listed first."""
    asked = sorted(answers, key=lambda q: assessment.questions.index(assessment.question(q)))
    options = [assessment.question(q).option(answers[q]) for q in asked]  # in question order
    totals = dict.fromkeys(assessment.track_ids, 0)
    for option in options:
        for track_id, points in option.points.items():
            totals[track_id] += points
    ranking = sorted(totals, key=lambda t: -totals[t])  # stable: ties keep tracks.yml order
    winner = ranking[0]
    # The strongest reasons for the winner (on equal points the earlier question), in order.
    strongest = sorted(range(len(options)), key=lambda i: -options[i].points.get(winner, 0))
    helped = [i for i in sorted(strongest[:MAX_REASONS]) if options[i].points.get(winner, 0)]
    return Result(
        answers=dict(answers),
        track=winner,
        runner_up=ranking[min(1, len(ranking) - 1)],
        scores=totals,
        reasons=tuple(options[i].why for i in helped),
    )


def match_option(question: Question, text: str, *, language: str) -> str | None:
    """The option id meant by typed `text` (digit, title or synonym); None when unclear."""
    said = normalise(text)
    if said.isdigit():
        index = int(said) - 1
        return question.options[index].id if 0 <= index < len(question.options) else None
    for option in question.options:
        if said in (normalise(option.title.nl), normalise(option.title.en)):
            return option.id
    for lang in (language, "nl" if language == "en" else "en"):  # then the other language
        # Synonyms as whole words, longest first ("nederlands en engels" before "engels").
        words = [(normalise(w), o.id) for o in question.options for w in o.synonyms.get(lang)]
        padded, hits = f" {said} ", set()
        for word, option_id in sorted(words, key=lambda pair: -len(pair[0])):
            if f" {word} " in padded:
                hits.add(option_id)
                padded = padded.replace(f" {word} ", "  ")
        if hits:
            clear = len(hits) == 1 and not NEGATIONS.intersection(padded.split())
            return hits.pop() if clear else None
    return None


def load_assessment(
    *, path: Path = ASSESSMENT_FILE, track_ids: Sequence[str] | None = None
) -> Assessment:
    """Read and validate the assessment file; `track_ids` (in order) default to tracks.yml."""
    known = tuple(track_ids) if track_ids is not None else _known_tracks(None)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot read: {error}") from error
    try:
        return Assessment.model_validate(data, context={"track_ids": known})
    except ValidationError as error:
        raise ContentError(f"{path.name}: {problems(error, whole='(file)')}") from error


@lru_cache(maxsize=1)
def assessment() -> Assessment:
    """The assessment, loaded once per process."""
    return load_assessment()
