"""Tekkie's rasa-sdk actions. Loading them checks the content files, so mistakes stop start-up."""

from bot.guidance.assessment import assessment
from bot.guidance.content import content
from bot.texts import messages

messages()
content()
assessment()
