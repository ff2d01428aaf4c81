"""The retrieval ranker inside Rasa's own Python: trained, persisted, loaded, re-ranking."""

import json
import textwrap

import pytest

from tests.support.rasa_python import run_in_rasa

pytestmark = pytest.mark.rasa

SCRIPT = textwrap.dedent(
    """
    import json, tempfile
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from integrations.rasa_retrieval import RetrievalRanker

    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    resource = Resource("retrieval")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**RetrievalRanker.get_default_config(), "retrieval_weight": 0.5}
    examples = [
        ("fact", "fact/address", "waar zitten jullie"),
        ("fact", "fact/address", "wat is jullie adres"),
        ("costs", None, "wat kost de opleiding"),
        ("greet", None, "hoi"),
    ]
    data = TrainingData([
        Message(data={"text": text, "intent": intent,
                      **({"intent_response_key": key} if key else {})})
        for intent, key, text in examples
    ])
    RetrievalRanker.create(config, storage, resource, context).train(data)
    ranker = RetrievalRanker.load(config, storage, resource, context)

    message = Message(data={
        "text": "wat is jullie adress?",
        "intent": {"name": "costs", "confidence": 0.7},
        "intent_ranking": [{"name": "costs", "confidence": 0.7},
                           {"name": "fact", "confidence": 0.3}],
        "response_selector": {"default": {
            "response": {"intent_response_key": "fact/other", "utter_action": "utter_fact/other",
                         "responses": [{"text": "x"}], "confidence": 0.6},
            "ranking": [{"intent_response_key": "fact/other", "confidence": 0.6},
                        {"intent_response_key": "fact/address", "confidence": 0.4}]}},
    })
    payload = Message(data={"text": "/greet", "intent": {"name": "greet", "confidence": 1.0},
                            "intent_ranking": [{"name": "greet", "confidence": 1.0}]})
    emoji = Message(data={"text": "👍", "intent": {"name": "greet", "confidence": 0.97},
                          "intent_ranking": [{"name": "greet", "confidence": 0.97}]})
    ranker.process([message, payload, emoji])
    print(json.dumps({
        "intent": message.get("intent"),
        "ranking": message.get("intent_ranking"),
        "response": message.get("response_selector")["default"]["response"],
        "retrieval": message.get("tekkie_retrieval"),
        "payload": payload.get("intent"),
        "payload_retrieval": payload.get("tekkie_retrieval"),
        "emoji": emoji.get("intent_ranking"),
    }))
    """
)


@pytest.fixture(scope="module")
def result() -> dict:  # type: ignore[type-arg]
    printed = run_in_rasa(SCRIPT, timeout=300)
    return json.loads(printed.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_an_intent_sure_of_itself_without_shared_words_loses_to_one_with_them(result: dict) -> None:  # type: ignore[type-arg]
    """DIET 0.7 for costs; but the message (with a typo) shares its words with the address."""
    assert result["intent"]["name"] == "fact"
    assert [entry["name"] for entry in result["ranking"]] == ["fact", "costs"]
    assert result["ranking"][1]["confidence"] < 0.55  # under the fallback threshold now


def test_the_chosen_answer_follows_the_shared_words_too(result: dict) -> None:  # type: ignore[type-arg]
    assert result["response"]["intent_response_key"] == "fact/address"
    assert result["response"]["utter_action"] == "utter_fact/address"
    assert "responses" not in result["response"]  # they belonged to the other answer


def test_the_best_examples_go_along_for_the_did_you_mean_choices(result: dict) -> None:  # type: ignore[type-arg]
    (best, *_) = result["retrieval"]["matches"]
    assert best["intent"] == "fact/address"
    assert best["example"] == "wat is jullie adres"
    assert result["retrieval"]["diet"] == {"costs": 0.7, "fact": 0.3}  # kept for calibration


def test_a_message_without_words_is_left_to_diet(result: dict) -> None:  # type: ignore[type-arg]
    """ "👍" as a yes: no words to weigh, so DIET's 0.97 stands (not 0.2 of it)."""
    assert result["emoji"] == [{"name": "greet", "confidence": 0.97}]


def test_a_button_payload_is_left_to_rasa(result: dict) -> None:  # type: ignore[type-arg]
    assert result["payload"] == {"name": "greet", "confidence": 1.0}
    assert result["payload_retrieval"] is None
