from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.questions import ActionAnswerTrack

SALARY_NOTE = (
    "Bedragen zijn bruto per maand, bij een volledige werkweek (36 tot 40 uur). Het zijn "
    "indicaties, geen belofte. Je salaris hangt af van de werkgever, de regio en je ervaring."
)
SOURCE = "Nationale Beroepengids / Loonwijzer.nl, 2025 (indicatief)"
TRACKS = [
    ("Programmeur", "programmer"), ("Data-analist", "data_analyst"),
    ("Growth hacker", "growth_hacker"), ("UX-designer", "ux_designer"),
    ("AI-specialist", "ai_specialist"),
]  # fmt: skip


def tracker(
    intent: str | None,
    *,
    entity: str | None = None,
    slots: dict[str, Any] | None = None,
) -> Tracker:
    entities = [{"entity": "track", "value": entity}] if entity else []
    latest = {"text": "vraag", "intent": {"name": intent} if intent else {}, "entities": entities}
    events = [{"event": "user", "text": "vraag", "parse_data": latest}]
    values = {"language": "nl", **(slots or {})}
    return Tracker("webchat:t1", values, latest, events, False, None, {}, "action_listen")


async def answer(tracker: Tracker) -> list[tuple[str, list[dict[str, str]]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionAnswerTrack().run(dispatcher, tracker, {})
    assert [] == events
    return [(m["text"], m["buttons"]) for m in dispatcher.messages]


def buttons(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


async def test_careers_lists_the_tracks_even_after_one_was_discussed() -> None:
    expected = [
        (
            "Je kunt bij ons kiezen uit: Programmeur, Data-analist, Growth hacker, UX-designer, "
            "AI-specialist. Over welke wil je meer weten?",
            buttons(*[(name, f'/ask_track_work{{"track": "{id_}"}}') for name, id_ in TRACKS]),
        )
    ]
    assert expected == await answer(tracker("ask_careers", slots={"track": "data_analyst"}))
    assert expected == await answer(tracker(None))  # no intent at all: the overview too


async def test_the_salary_of_a_named_track() -> None:
    said = await answer(tracker("ask_track_salary", entity="data_analyst"))
    assert said == [
        (
            "Data-analist: als starter € 2.800 tot € 3.400, na een paar jaar € 3.700 tot "
            f"€ 5.000.\n{SALARY_NOTE} ({SOURCE})",
            buttons(
                ("💼 Het werk", '/ask_track_work{"track": "data_analyst"}'),
                ("🎓 De opleiding", '/ask_track_training{"track": "data_analyst"}'),
                ("✅ Wat heb ik nodig?", '/ask_track_requirements{"track": "data_analyst"}'),
            ),
        )
    ]


async def test_a_follow_up_question_is_about_the_track_asked_before() -> None:
    said = await answer(tracker("ask_track_training", slots={"track": "ux_designer",
                                                             "language": "en"}))  # fmt: skip
    assert said == [
        (
            "The UX designer training takes about 5 months, 16 hours a week. Mixed: online "
            "lessons plus one day a week on our campus in Utrecht. There is also "
            "an evening group.",
            buttons(
                ("💼 The work", '/ask_track_work{"track": "ux_designer"}'),
                ("💶 Pay", '/ask_track_salary{"track": "ux_designer"}'),
                ("✅ What do I need?", '/ask_track_requirements{"track": "ux_designer"}'),
            ),
        )
    ]


async def test_the_named_track_wins_over_the_one_before() -> None:
    said = await answer(
        tracker("ask_track_work", entity="programmer", slots={"track": "data_analyst"})
    )
    assert len(said) == 2
    assert said[0] == (
        "Programmeur: Je bouwt en verbetert software: websites, apps en systemen die mensen "
        "elke dag gebruiken. Je schrijft code, test die en lost fouten op. Je werkt bijna "
        "altijd samen in een team.",
        [],
    )
    assert said[1][0].startswith("Je begint met een kort overleg met je team.")
    assert [b["payload"] for b in said[1][1]] == [
        '/ask_track_salary{"track": "programmer"}',
        '/ask_track_training{"track": "programmer"}',
        '/ask_track_requirements{"track": "programmer"}',
    ]


async def test_a_salary_question_without_a_track_compares_all_tracks() -> None:
    said = await answer(tracker("ask_track_salary"))
    assert said == [
        (
            "\n".join(
                [
                    "Startsalarissen per maand (bruto):",
                    "• Programmeur: € 2.700 - € 3.400",
                    "• Data-analist: € 2.800 - € 3.400",
                    "• Growth hacker: € 2.600 - € 3.200",
                    "• UX-designer: € 2.700 - € 3.300",
                    "• AI-specialist: € 2.900 - € 3.700",
                    SALARY_NOTE,
                ]
            ),
            buttons(*[(name, f'/ask_track_salary{{"track": "{id_}"}}') for name, id_ in TRACKS]),
        )
    ]


async def test_an_unknown_track_gets_the_overview_for_that_question() -> None:
    said = await answer(tracker("ask_track_jobs", entity="astronaut"))
    assert said == [
        (
            "Je kunt bij ons kiezen uit: Programmeur, Data-analist, Growth hacker, UX-designer, "
            "AI-specialist. Over welke wil je meer weten?",
            buttons(*[(name, f'/ask_track_jobs{{"track": "{id_}"}}') for name, id_ in TRACKS]),
        )
    ]


async def test_work_after_the_training_without_a_track_is_the_schools_help_to_a_job() -> None:
    """ "krijg ik na de opleiding een baan?": the job coach and the honest "no promise"."""
    ((text, offered),) = await answer(tracker("ask_track_jobs"))
    assert text.startswith("Ja, we helpen je op weg naar werk. Een jobcoach helpt je")
    assert "een baan kunnen we niet beloven" in text
    assert text.endswith("Over welke opleiding wil je meer weten?")
    assert [b["title"] for b in offered] == [name for name, _ in TRACKS]
