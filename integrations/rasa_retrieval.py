"""Rasa pipeline component: weigh DIET's ranking against the words the message shares.

Runs inside Rasa's Python 3.10 process, between the ResponseSelector and the
FallbackClassifier (config.yml). For each message it asks `bot.understanding.retrieval` how
much of the message each intent's best training example covers, and mixes that into DIET's
confidences (`retrieval_weight`). So an intent DIET is sure of but that shares no word with the
message falls under the fallback threshold, and a plain question DIET was unsure of but whose
words match one intent well is answered. The response selectors' rankings (fact, concern,
support) get the same treatment, so the chosen answer and the intent agree.

The best example per intent goes to the parse result as `tekkie_retrieval`: the "Bedoel je
...?" choices of `action_unsure` are questions a prospect once wrote, in their own language.
"""

# Rasa validates the graph by comparing these type hints with its own typing.List/Dict ones.
# ruff: noqa: UP006, UP035, UP045
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.understanding.retrieval import Index, Match, by_intent, combine, second_answer

FILE = "examples.json"
OUTPUT = "tekkie_retrieval"
SUGGESTIONS = 8


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RetrievalRanker(GraphComponent):
    """Re-ranks intents and retrieval responses by DIET and by shared words together."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """`retrieval_weight`: 0 leaves DIET alone, 1 trusts only the shared words."""
        return {"retrieval_weight": 0.7}  # make calibrate's best line (config.yml sets it too)

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        examples: Optional[List[tuple[str, str]]] = None,
    ) -> None:
        """Keep the examples; the index is rebuilt from them on load (it takes well under 1 s)."""
        self._weight = float(config["retrieval_weight"])
        self._storage = model_storage
        self._resource = resource
        self._examples = examples or []
        self._index = Index(self._examples)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RetrievalRanker:
        """An untrained ranker (it changes nothing until trained)."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RetrievalRanker:
        """The ranker with the examples it was trained on."""
        try:
            with model_storage.read_from(resource) as directory:
                pairs = json.loads((directory / FILE).read_text(encoding="utf-8"))
        except ValueError:  # nothing persisted: trained without examples
            pairs = []
        return cls(config, model_storage, resource, [(intent, text) for intent, text in pairs])

    def train(self, training_data: TrainingData) -> Resource:
        """Index every NLU example under its full intent ("fact/address")."""
        self._examples = [
            (message.get("intent_response_key") or message.get("intent"), message.get("text"))
            for message in training_data.intent_examples
            if message.get("text")
        ]
        self._index = Index(self._examples)
        with self._storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps(self._examples), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Mix shared-word coverage into the intent and response rankings."""
        for message in messages:
            text = message.get("text") or ""
            if text.startswith("/"):  # a button's payload: RegexMessageHandler decides
                continue
            tokens = self._index.tokens(text)
            if not tokens:  # "👍", "2": nothing to weigh, DIET decides alone
                continue
            matches = self._index.ranked(tokens)
            diet = {
                entry["name"]: entry["confidence"] for entry in message.get("intent_ranking") or []
            }
            coverage = by_intent(matches)
            selector = _selector_ranking(message)
            self._rerank_intents(message, coverage)
            chosen = self._rerank_responses(message, matches)
            also = second_answer(self._index, text, first=chosen, matches=matches)
            message.set(
                OUTPUT,
                {
                    "matches": [_suggestion(match) for match in matches[:SUGGESTIONS]],
                    "diet": {name: round(value, 4) for name, value in diet.items()},
                    "coverage": {name: round(value, 4) for name, value in coverage.items()},
                    "selector": selector,
                    "answers": {match.intent: round(match.coverage, 4) for match in matches},
                    # the other half of "ik ben 52 en heb geen diploma": action_after_answer
                    "also": None if also is None else f"utter_{also.intent}",
                },
                add_to_output=True,
            )
        return messages

    def _rerank_intents(self, message: Message, coverage: Dict[str, float]) -> None:
        entries = message.get("intent_ranking") or []
        if not entries:
            return
        ranking = self._mixed(entries, "name", coverage)
        message.set("intent_ranking", ranking, add_to_output=True)
        message.set("intent", dict(ranking[0]), add_to_output=True)

    def _mixed(
        self, entries: List[Dict[str, Any]], name: str, coverage: Dict[str, float]
    ) -> List[Dict[str, Any]]:
        """Rasa's ranking `entries` (named by `name`) with mixed confidences, best first."""
        mixed = combine(
            {entry[name]: entry["confidence"] for entry in entries}, coverage, weight=self._weight
        )
        ranked = [{**entry, "confidence": mixed[entry[name]]} for entry in entries]
        return sorted(ranked, key=lambda entry: float(entry["confidence"]), reverse=True)

    def _rerank_responses(self, message: Message, matches: List[Match]) -> Optional[str]:
        """Re-rank each response selector; the answer that will be said."""
        selectors = message.get("response_selector") or {}
        chosen: Optional[str] = None
        coverage = {match.intent: match.coverage for match in matches}
        for key, selected in selectors.items():
            if not isinstance(selected, dict) or not selected.get("ranking"):
                continue
            ranking = self._mixed(selected["ranking"], "intent_response_key", coverage)
            # Rasa's one "default" selector ranks every answer (fact, concern, support); its best
            # one is said whichever of the three the intent is, as it was without this ranker.
            best = ranking[0]
            response = dict(selected.get("response") or {})
            if response.get("intent_response_key") != best["intent_response_key"]:
                response.update(
                    intent_response_key=best["intent_response_key"],
                    utter_action=f"utter_{best['intent_response_key']}",
                )
                response.pop("responses", None)  # they belonged to the other answer
            response["confidence"] = best["confidence"]
            selectors[key] = {**selected, "response": response, "ranking": ranking}
            chosen = str(best["intent_response_key"])
        if selectors:
            message.set("response_selector", selectors, add_to_output=True)
        return chosen


def _selector_ranking(message: Message) -> Dict[str, float]:
    """The response selectors' own confidences, before mixing (for calibration)."""
    ranking: Dict[str, float] = {}
    for key, selected in (message.get("response_selector") or {}).items():
        if isinstance(selected, dict) and key != "all_retrieval_intents":
            for entry in selected.get("ranking") or []:
                ranking[entry["intent_response_key"]] = round(entry["confidence"], 4)
    return ranking


def _suggestion(match: Match) -> Dict[str, Any]:
    return {"intent": match.intent, "coverage": round(match.coverage, 3), "example": match.example}
