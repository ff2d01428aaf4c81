"""Which language a prospect writes in: Dutch or English, and when unsure, the one already in use.

Short chat messages ("hoi", "ok", "menu") fool statistical detectors, so clear marker words decide
first; the lingua detector only decides longer messages without clear markers, and only when it is
confident. Anything still unclear keeps the conversation's language (or the channel's hint).
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.texts import DEFAULT_LANGUAGE, SUPPORTED, Lang

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGE_NAMES", "SUPPORTED", "Lang", "detect_language",
           "marker_share", "normalise_language"]  # fmt: skip

_WORD = re.compile(r"[a-zà-ÿ']+")

# Words that are common in one language and rare or absent in the other.
_MARKERS: dict[Lang, frozenset[str]] = {
    "nl": frozenset(
        """
        hoi hallo hee goedemorgen goedemiddag goedenavond doei dag groetjes dank bedankt
        dankjewel dankuwel graag alsjeblieft alstublieft aub ja jawel nee neen niet geen
        wel ik jij je jou jullie u mij mijn ons onze zij hij het een de van voor met
        zonder wat hoe waar wanneer waarom welke wie kan kun kunt mag moet wil wilt ben
        bent heb hebt heeft zijn er ook nog maar dus omdat als dan naar bij uit om te
        toch hier daar opleiding baan werk geld lening rente afspraak praten spreken
        iemand mens oud jaar nederlands engels duits taal welkom oké prima lekker
        en dat dit deze die zo nu al heel veel echt bruto netto weet
        """.split()  # noqa: SIM905 - a word list is easier to edit as text
    ),
    "en": frozenset(
        """
        hi hello good morning evening bye goodbye thanks thank please yes yeah yep no
        nope not i i'm im my our you your they he she it the a an of for with without
        what how where when why which who can could may must want would should am are
        have has do does is there also still but so because if then to at about from
        this that here job work money loan interest appointment talk speak someone
        person human old year english dutch language welcome okay great sure
        tell fix joke r ur pls plz thx wanna gonna lol
        """.split()  # noqa: SIM905
    ),
}
# Explicit names of a language in either language, for "English please" or "in het Nederlands".
LANGUAGE_NAMES: dict[str, Lang] = {
    "nederlands": "nl",
    "dutch": "nl",
    "nl": "nl",
    "hollands": "nl",
    "english": "en",
    "engels": "en",
    "en": "en",
    "eng": "en",
}


def normalise_language(value: object) -> Lang | None:
    """Map an entity value, a locale ("en-GB", "nl_NL") or a language name to "nl"/"en"."""
    if not isinstance(value, str) or not value.strip():
        return None
    word = value.strip().lower().replace("_", "-")
    if word in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[word]
    primary = word.split("-", 1)[0]
    return "nl" if primary == "nl" else "en" if primary == "en" else None


def marker_share(words: list[str]) -> float:
    """The share of `words` that are clear Dutch or English marker words (0 when none)."""
    if not words:
        return 0.0
    return sum(any(w in markers for markers in _MARKERS.values()) for w in words) / len(words)


def _marker_scores(words: list[str]) -> dict[Lang, int]:
    return {lang: sum(word in markers for word in words) for lang, markers in _MARKERS.items()}


@lru_cache(maxsize=1)
def _detector() -> object:
    from lingua import Language, LanguageDetectorBuilder  # noqa: PLC0415 - 1 s to load; lazily

    return LanguageDetectorBuilder.from_languages(Language.DUTCH, Language.ENGLISH).build()


def _statistical_guess(text: str, min_confidence: float = 0.8) -> Lang | None:
    detector = _detector()
    values = detector.compute_language_confidence_values(text)  # type: ignore[attr-defined]
    best = values[0]
    if best.value < min_confidence:
        return None
    return "nl" if best.language.name == "DUTCH" else "en"


def detect_language(text: str, *, current: str | None = None, hint: str | None = None) -> Lang:
    """The language of `text`; unclear text keeps `current`, then `hint`, then Dutch."""
    fallback = normalise_language(current) or normalise_language(hint) or DEFAULT_LANGUAGE
    if not text or text.lstrip().startswith("/"):
        return fallback
    words = _WORD.findall(text.lower())
    if not words:  # emoji, digits, punctuation
        return fallback
    scores = _marker_scores(words)
    if scores["nl"] != scores["en"]:
        margin = abs(scores["nl"] - scores["en"])
        leader: Lang = "nl" if scores["nl"] > scores["en"] else "en"
        # A single marker word against the current language is not enough in a long message.
        if margin >= 2 or len(words) <= 3 or leader == fallback:
            return leader
        # One marker against the current language: the detector decides, else the marker.
        return (_statistical_guess(text) if len(words) >= 3 else None) or leader
    if len(words) >= 3:
        return _statistical_guess(text) or fallback
    return fallback
