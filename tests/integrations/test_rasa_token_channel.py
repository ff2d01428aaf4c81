"""Tekkie's Rasa channel, run by Rasa's own Python: a failed custom action is never swallowed."""

import textwrap

import pytest

from tests.support.rasa_python import run_in_rasa

pytestmark = pytest.mark.rasa

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from integrations import rasa_token_channel as channel
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    async def main():
        failed = []
        channel._FAILED_ACTIONS.set(failed)
        action = RemoteAction("action_read_context", EndpointConfig("http://127.0.0.1:9/webhook"))
        tracker = DialogueStateTracker("webchat:x", [])
        try:
            await action.run(CollectingOutputChannel(), None, tracker, Domain.empty())
        except Exception as error:
            print("raised", type(error).__name__)
        print("flagged", failed)
        up = await channel.TokenRestInput("t" * 20, "http://127.0.0.1:9/health")._actions_up()
        print("actions up", up)

    asyncio.run(main())
    """
)


def test_a_failing_custom_action_is_flagged_for_the_turn() -> None:
    """Rasa logs "Bot will continue" and answers anyway; the channel must see the failure."""
    printed = run_in_rasa(SCRIPT)
    assert "raised" in printed
    assert "flagged ['action_read_context']" in printed
    assert "actions up False" in printed


LEAN = textwrap.dedent(
    """
    import asyncio, json
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
    import integrations.rasa_token_channel  # wraps MessageProcessor.save_tracker

    ranking = [{"name": f"intent_{n}", "confidence": 1 / (n + 1)} for n in range(60)]
    answers = [{"intent_response_key": f"fact/a{n}", "confidence": 0.5} for n in range(40)]
    parse = {"intent": ranking[0], "entities": [], "text": "wat kost het",
             "intent_ranking": ranking,
             "response_selector": {"default": {"response": {"intent_response_key": "fact/a0"},
                                               "ranking": answers}}}
    tracker = DialogueStateTracker("anna", slots=[])
    for _ in range(3):
        tracker.update(UserUttered("wat kost het", ranking[0], [], parse_data=parse))
        tracker.update(ActionExecuted("utter_fact"))

    class Store:
        saved = None
        async def save(self, tracker):
            Store.saved = tracker.current_state(EventVerbosity.ALL)

    processor = MessageProcessor.__new__(MessageProcessor)
    processor.tracker_store = Store()
    size = len(json.dumps(tracker.current_state(EventVerbosity.ALL)))
    asyncio.run(processor.save_tracker(tracker))
    users = [e for e in Store.saved["events"] if e["event"] == "user"]
    data = users[-1]["parse_data"]
    print("ranks", [len(u["parse_data"]["intent_ranking"]) for u in users])
    print("answers", len(data["response_selector"]["default"]["ranking"]))
    print("kept", data["intent"]["name"], data["response_selector"]["default"]["response"])
    print("smaller", len(json.dumps(Store.saved)) * 4 < size)
    """
)


def test_the_stored_tracker_keeps_only_the_top_of_each_ranking() -> None:
    """Whole rankings (10 KB a message) made every later turn slower as a conversation grew."""
    printed = run_in_rasa(LEAN)
    assert "ranks [3, 3, 3]" in printed
    assert "answers 3" in printed
    assert "kept intent_0 {'intent_response_key': 'fact/a0'}" in printed  # what actions read
    assert "smaller True" in printed


CONTEXT = textwrap.dedent(
    """
    import asyncio
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    import integrations.rasa_token_channel  # wraps RemoteAction.run

    domain = Domain.from_yaml('''
    version: "3.1"
    slots:
      language: {type: text, mappings: [{type: custom, action: action_read_context}]}
      privacy_url: {type: text, mappings: [{type: custom, action: action_read_context}]}
      requested_slot: {type: text, mappings: [{type: custom}]}
    ''')
    nowhere = EndpointConfig("http://127.0.0.1:9/webhook")  # nothing listens: a call fails
    action = RemoteAction("action_read_context", nowhere)

    def run(slots, intent, metadata):
        tracker = DialogueStateTracker("anna", domain.slots)
        for name, value in slots.items():
            tracker.update(SlotSet(name, value))
        tracker.update(UserUttered("hoi", {"name": intent}, metadata=metadata))
        try:
            events = asyncio.run(action.run(None, None, tracker, domain))
        except Exception as error:
            return "called the action server: " + type(error).__name__
        return [(e.key, e.value) for e in events]

    known = {"privacy_url": "https://school.nl/privacy", "language": "nl"}
    print("same", run(known, "ask_costs", {"language": "nl"}))
    print("other", run(known, "ask_costs", {"language": "en"}))
    print("address", run({**known, "requested_slot": "contact"}, "inform", {"language": "en"}))
    print("switch", run(known, "switch_language", {"language": "nl"}))
    print("first", run({}, "greet", {"language": "nl"}))
    print("shell", run(known, "ask_costs", {}))
    """
)


def test_the_language_the_app_detected_is_set_without_calling_the_action_server() -> None:
    """The context action's round trip (the whole tracker each way) was a tenth of a turn."""
    printed = run_in_rasa(CONTEXT)
    assert "same []" in printed
    assert "other [('language', 'en')]" in printed
    assert "address []" in printed  # an e-mail address does not switch the language
    # The action itself still runs for a switch request, the first message and other clients.
    for case in ("switch", "first", "shell"):
        assert f"{case} called the action server" in printed, printed
