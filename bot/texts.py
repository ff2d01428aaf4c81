"""The few sentences the app itself says (not Rasa): errors and apologies, in both languages."""

from __future__ import annotations

from bot.language import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "empty": {
        "nl": "Je bericht is leeg. Typ een vraag, of kies een knop.",
        "en": "Your message is empty. Type a question, or pick a button.",
    },
    "too_long": {
        "nl": "Dat is een lang bericht! Kun je je vraag korter maken (hooguit {limit} tekens)?",
        "en": "That's a long message! Could you ask it more briefly (at most {limit} characters)?",
    },
    "stale_button": {
        "nl": "Die knop werkt niet meer. Kies een van de nieuwste knoppen, of typ je vraag.",
        "en": "That button no longer works. Pick one of the newest buttons, or type your question.",
    },
    "unavailable": {
        "nl": "Sorry, Tekkie is even niet bereikbaar. Probeer het over een paar minuten nog eens.",
        "en": "Sorry, Tekkie can't be reached right now. Please try again in a few minutes.",
    },
    "no_reply": {
        "nl": "Sorry, daar ging iets mis aan mijn kant. Wil je het nog eens proberen?",
        "en": "Sorry, something went wrong on my side. Would you try that again?",
    },
}


def say(key: str, language: Lang, **values: object) -> str:
    """The text `key` in `language`, with {placeholders} filled in."""
    return TEXTS[key][language].format(**values)
