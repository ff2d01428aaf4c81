"""Staff-editable content (dialogues/content/*.yml): tracks, concerns, support, school facts.

Every file is validated when Tekkie starts; an error names the file and the field, e.g.
"tracks.yml: tracks.2.salary.starter: max must be above min".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, Self, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.settings import PROJECT_ROOT
from bot.texts import ContentError, problems, without_note

CONTENT_DIR = PROJECT_ROOT / "dialogues" / "content"
MAX_TEXT = 450  # one WhatsApp screen
M = TypeVar("M", bound=BaseModel)
# Prospects read every word: a note to the writer in a text stops the start-up.
ProspectText = Annotated[str, AfterValidator(without_note)]
Need = Literal["laptop", "travel", "income", "no_interest", "benefit", "costs"]


class Strict(BaseModel):
    """Unknown fields are typos: refuse them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in both languages."""

    nl: ProspectText = Field(min_length=1, max_length=MAX_TEXT)
    en: ProspectText = Field(min_length=1, max_length=MAX_TEXT)

    def get(self, language: str) -> str:
        """The text in `language` (Dutch unless English)."""
        return self.en if language == "en" else self.nl


class Words(Strict):
    """Words per language."""

    nl: list[str] = Field(min_length=1)
    en: list[str] = Field(min_length=1)


class Range(Strict):
    """A salary range in euros gross per month."""

    min: int = Field(gt=0)
    max: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max <= self.min:
            raise ValueError("max must be above min")
        return self


class Salary(Strict):
    """Pay for starters and after a few years, with its source."""

    starter: Range
    experienced: Range
    source: ProspectText = Field(min_length=3)  # shown to prospects with the pay


class Training(Strict):
    """How the training runs."""

    months: int = Field(gt=0, le=36)
    hours_per_week: int = Field(gt=0, le=60)
    format: Text


class Track(Strict):
    """One training track (job)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    synonyms: Words
    work: Text
    typical_day: Text
    suits: Text
    salary: Salary
    training: Training
    prerequisites: Text
    employers: Text


class Tracks(Strict):
    """The file tracks.yml."""

    version: int
    salary_note: Text
    tracks: list[Track] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([t.id for t in self.tracks], "track id")
        words = [w.lower() for t in self.tracks for w in (*t.synonyms.nl, *t.synonyms.en)]
        _check_unique(words, "synonym")
        return self


class Concern(Strict):
    """A worry and Tekkie's honest answer."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: Text
    answer: Text


class Concerns(Strict):
    """The file concerns.yml."""

    version: int
    concerns: list[Concern] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([c.id for c in self.concerns], "concern id")
        return self


class SupportOption(Strict):
    """A kind of financial or practical support."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: Text
    for_whom: Text
    conditions: Text
    amount: Text
    next_step: Text
    needs: list[Need] = Field(min_length=1)


class NeedsQuestion(Strict):
    """One yes/no question of the needs check; "yes" means the prospect has this need."""

    need: Need
    text: Text


class NeedsCheck(Strict):
    """The short needs check behind "money and support"."""

    intro: Text
    always: list[Need] = Field(default_factory=list)
    questions: list[NeedsQuestion] = Field(min_length=3, max_length=6)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([q.need for q in self.questions], "needs_check need")
        return self

    def question(self, need: str) -> NeedsQuestion:
        """The question about `need`; ValueError when there is none."""
        if (found := next((q for q in self.questions if q.need == need), None)) is None:
            raise ValueError(f"no needs_check question about {need!r}")
        return found


class Support(Strict):
    """The file support.yml."""

    version: int
    needs_check: NeedsCheck
    options: list[SupportOption] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([o.id for o in self.options], "support option id")
        asked = {q.need for q in self.needs_check.questions} | set(self.needs_check.always)
        for option in self.options:
            if not asked.intersection(option.needs):
                raise ValueError(f"option {option.id!r}: no needs_check question leads to it")
        return self

    def options_for(self, needs: list[str]) -> list[SupportOption]:
        """The options that help with any of `needs` or with the always-shown needs."""
        wanted = set(needs) | set(self.needs_check.always)
        return [o for o in self.options if wanted.intersection(o.needs)]


class Fact(Strict):
    """A fact about the school prospects ask about (where, when, what you get)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    question: Text
    answer: Text


class School(Strict):
    """The file school.yml."""

    version: int
    facts: list[Fact] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        _check_unique([f.id for f in self.facts], "fact id")
        return self


class Content(Strict):
    """All content, validated."""

    tracks: Tracks
    concerns: Concerns
    support: Support
    school: School

    def track(self, track_id: str) -> Track:
        """The track with this id."""
        return next(t for t in self.tracks.tracks if t.id == track_id)


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{what} {value!r} appears twice")
        seen.add(value)


def _load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot read: {error}") from error
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ContentError(f"{path.name}: {problems(error, whole='(file)')}") from error


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Read and validate every content file in `directory`."""
    return Content(
        tracks=_load(directory / "tracks.yml", Tracks),
        concerns=_load(directory / "concerns.yml", Concerns),
        support=_load(directory / "support.yml", Support),
        school=_load(directory / "school.yml", School),
    )


@lru_cache(maxsize=1)
def content() -> Content:
    """The content, loaded once per process."""
    return load_content()
