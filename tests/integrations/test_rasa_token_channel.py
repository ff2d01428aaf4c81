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
