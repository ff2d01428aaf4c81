"""What the app already tells Rasa with each message: the language it detected.

Pure, without imports, because Rasa's own Python 3.10 reads it too: Tekkie's Rasa channel
(integrations/rasa_token_channel.py) sets the `language` slot itself when the app's detection
decides it, instead of a custom-action round trip on every turn; the custom slot mapping
(actions/context.py) handles everything else and follows the same rule.
"""

from __future__ import annotations

CONTEXT_ACTION = "action_read_context"
# Form answers that say nothing about the language (names, e-mail addresses, phone numbers).
ANSWERS_WITHOUT_LANGUAGE = frozenset({"full_name", "contact"})
SWITCH_INTENT = "switch_language"
SENT_LANGUAGES = ("nl", "en")


def sent_language(*, intent: object, metadata: object) -> str | None:
    """The language the app detected for this message; None when the action must decide.

    A request to switch ("English please") names its language in an entity, and `rasa shell`
    or other clients send no language: for those the action runs as before.
    """
    if intent == SWITCH_INTENT or not isinstance(metadata, dict):
        return None
    language = metadata.get("language")
    return language if language in SENT_LANGUAGES else None
