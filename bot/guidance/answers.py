"""Answers to questions about the tracks, composed from the staff-editable content."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.guidance.content import Content, Track

Aspect = Literal["overview", "work", "salary", "training", "requirements", "jobs"]
ASPECTS: dict[str, Aspect] = {
    "ask_careers": "overview",
    "ask_track_work": "work",
    "ask_track_salary": "salary",
    "ask_track_training": "training",
    "ask_track_requirements": "requirements",
    "ask_track_jobs": "jobs",
}
_LABELS: dict[str, dict[Aspect, str]] = {
    "nl": {"work": "💼 Het werk", "salary": "💶 Salaris", "training": "🎓 De opleiding",
           "requirements": "✅ Wat heb ik nodig?", "jobs": "🏢 Waar kan ik werken?"},
    "en": {"work": "💼 The work", "salary": "💶 Pay", "training": "🎓 The training",
           "requirements": "✅ What do I need?", "jobs": "🏢 Where can I work?"},
}  # fmt: skip
_INTENT = {aspect: intent for intent, aspect in ASPECTS.items()}


@dataclass(frozen=True)
class Reply:
    """One chat message with optional buttons (title, payload)."""

    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)


def _euro(amount: int) -> str:
    return f"€ {amount:,}".replace(",", ".")


def _payload(aspect: Aspect, track_id: str) -> str:
    return f'/{_INTENT[aspect]}{{"track": "{track_id}"}}'


def _more_about(track: Track, shown: Aspect, language: str) -> list[tuple[str, str]]:
    """Buttons for the other aspects of the same track."""
    return [
        (label, _payload(aspect, track.id))
        for aspect, label in _LABELS[language].items()
        if aspect != shown
    ][:3]


def _track_buttons(content: Content, aspect: Aspect, language: str) -> list[tuple[str, str]]:
    target: Aspect = "work" if aspect == "overview" else aspect
    return [(t.name.get(language), _payload(target, t.id)) for t in content.tracks.tracks]


def _about_one(content: Content, track: Track, aspect: Aspect, lang: str) -> list[Reply]:
    nl = lang != "en"
    name = track.name.get(lang)
    if aspect in ("work", "overview"):
        texts = [f"{name}: {track.work.get(lang)}", track.typical_day.get(lang)]
    elif aspect == "salary":
        s = track.salary
        line = (
            f"{name}: als starter {_euro(s.starter.min)} tot {_euro(s.starter.max)}, "
            f"na een paar jaar {_euro(s.experienced.min)} tot {_euro(s.experienced.max)}."
            if nl
            else f"{name}: as a starter {_euro(s.starter.min)} to {_euro(s.starter.max)}, "
            f"after a few years {_euro(s.experienced.min)} to {_euro(s.experienced.max)}."
        )
        texts = [f"{line}\n{content.tracks.salary_note.get(lang)} ({s.source})"]
    elif aspect == "training":
        t = track.training
        line = (
            f"De opleiding {name} duurt ongeveer {t.months} maanden, "
            f"{t.hours_per_week} uur per week."
            if nl
            else f"The {name} training takes about {t.months} months, "
            f"{t.hours_per_week} hours a week."
        )
        texts = [f"{line} {t.format.get(lang)}"]
    elif aspect == "requirements":
        texts = [track.prerequisites.get(lang), track.suits.get(lang)]
    else:
        texts = [track.employers.get(lang)]
    replies = [Reply(text) for text in texts[:-1]]
    replies.append(Reply(texts[-1], _more_about(track, aspect, lang)))
    return replies


def _after_the_training(content: Content, lang: str) -> list[Reply]:
    """A job after the training, no track named: the school's help to a job, then the tracks."""
    route = next((fact for fact in content.school.facts if fact.id == "job_route"), None)
    if route is None:
        return _about_all(content, "jobs", lang)
    ask = (
        "Over welke opleiding wil je meer weten?"
        if lang != "en"
        else ("Which track would you like to know more about?")
    )
    return [Reply(f"{route.answer.get(lang)}\n{ask}", _track_buttons(content, "jobs", lang))]


def _about_all(content: Content, aspect: Aspect, lang: str) -> list[Reply]:
    nl = lang != "en"
    tracks = content.tracks.tracks
    if aspect == "salary":
        lines = [
            f"• {t.name.get(lang)}: {_euro(t.salary.starter.min)} - {_euro(t.salary.starter.max)}"
            for t in tracks
        ]
        head = "Startsalarissen per maand (bruto):" if nl else "Starting pay per month (gross):"
        text = "\n".join([head, *lines, content.tracks.salary_note.get(lang)])
    elif aspect == "training":
        months = sorted({t.training.months for t in tracks})
        hours = sorted({t.training.hours_per_week for t in tracks})
        text = (
            f"De opleidingen duren {months[0]} tot {months[-1]} maanden, "
            f"{hours[0]} tot {hours[-1]} uur per week. Over welke opleiding wil je meer weten?"
            if nl
            else f"The trainings take {months[0]} to {months[-1]} months, "
            f"{hours[0]} to {hours[-1]} hours a week. Which one would you like to know more about?"
        )
    else:
        names = ", ".join(t.name.get(lang) for t in tracks)
        text = (
            f"Je kunt bij ons kiezen uit: {names}. Over welke wil je meer weten?"
            if nl
            else f"You can choose from: {names}. Which one would you like to know more about?"
        )
    return [Reply(text, _track_buttons(content, aspect, lang))]


def track_answer(
    content: Content, *, intent: str, track_id: str | None, language: str
) -> list[Reply]:
    """The answer to a track question; without a known track, an overview with buttons."""
    aspect = ASPECTS.get(intent, "overview")
    track = next((t for t in content.tracks.tracks if t.id == track_id), None)
    if track is None and track_id is None and aspect == "jobs":
        return _after_the_training(content, language)
    if track is None:
        return _about_all(content, aspect, language)
    return _about_one(content, track, aspect, language)
