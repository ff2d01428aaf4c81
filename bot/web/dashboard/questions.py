"""The "Vragen zonder antwoord" pages: questions Tekkie could not answer, and what staff do.

The routes check the form and hand on to bot/learning/desk.py and bot/learning/replies.py;
nothing is live until it is published (bot/web/dashboard/publishing.py).
"""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.db.repositories import questions as repo
from bot.guidance.content import content
from bot.learning import desk, plain_dutch
from bot.learning.content import answer_labels
from bot.learning.questions import GroupView, group_view, overview
from bot.learning.replies import reply_to_waiting
from bot.prospects import handoff
from bot.prospects.handoff_desk import Deliver
from bot.web.dashboard.auth import Staff, StaffForm, redirect, sessions_of
from bot.web.dashboard.templating import flash, render
from bot.web.dashboard.users import StaffUser

router = APIRouter()
_DONE = {"answered", "linked", "dismissed", "replied"}
FLAGGED_DOWN = 3  # 👎 this many times, and more 👎 than 👍: staff should look at the answer


def _overview(
    request: Request, order: str
) -> tuple[list[GroupView], list[tuple[str, str, int, int]]]:
    with sessions_of(request)() as session:
        views = overview(session, order="recent" if order == "recent" else "frequent")
        _, learned = desk.current(session)
        labels = answer_labels(content(), learned, "nl")
        flagged = [
            (row.answer_key, labels.get(row.answer_key, row.answer_key), row.up, row.down)
            for row in repo.feedback(session)
            if row.down >= FLAGGED_DOWN and row.down > row.up
        ]
        return views, flagged


@router.get("/questions", response_class=HTMLResponse)
async def inbox(request: Request, staff: Staff, order: str = "frequent") -> Response:
    """Open groups, the most asked (or the newest) first, and answers with many 👎."""
    views, flagged = await anyio.to_thread.run_sync(_overview, request, order)
    return render(request, "questions.html", staff=staff, views=views, order=order,
                  flagged=flagged, flash=flash(request, staff.language, _DONE,
                                               prefix="questions_done_"))  # fmt: skip


def _page_data(
    request: Request, group_id: int, language: str
) -> tuple[GroupView | None, dict[str, str]]:
    with sessions_of(request)() as session:
        view = group_view(session, group_id=group_id)
        _, learned = desk.current(session)
        return view, answer_labels(content(), learned, language)


async def _page(
    request: Request, staff: StaffUser, group_id: int, *, status_code: int = 200,
    error: str | None = None, form: dict[str, str] | None = None,
    warnings: list[plain_dutch.Finding] | None = None,
) -> Response:  # fmt: skip
    view, labels = await anyio.to_thread.run_sync(_page_data, request, group_id, staff.language)
    if view is None:
        return render(request, "error.html", staff=staff, status_code=404,
                      title="not_found_title", message="questions_not_found")  # fmt: skip
    values = {"examples": "\n".join(view.examples), **(form or {})}
    counts = {name: request.query_params.get(name, "0") for name in ("sent", "outside")}
    return render(
        request, "question.html", staff=staff, view=view, labels=labels, error=error,
        form=values, warnings=warnings or [], status_code=status_code,
        max_length=handoff.MAX_REPLY_LENGTH,
        flash=flash(request, staff.language, _DONE, prefix="questions_done_", **counts),
    )  # fmt: skip


@router.get("/questions/{group_id}", response_class=HTMLResponse)
async def group_page(request: Request, staff: Staff, group_id: int) -> Response:
    """A group's questions as asked, and the four things staff can do with it."""
    return await _page(request, staff, group_id)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/questions/{group_id}/answer")
async def answer(  # noqa: PLR0917 - one parameter per form field
    request: Request, staff: StaffForm, group_id: int,
    answer_nl: Annotated[str, Form()] = "", answer_en: Annotated[str, Form()] = "",
    question_nl: Annotated[str, Form()] = "", question_en: Annotated[str, Form()] = "",
    examples: Annotated[str, Form()] = "", confirmed: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """A new answer in Dutch and English; plain-Dutch warnings first, then saved."""
    form = {"answer_nl": answer_nl, "answer_en": answer_en, "question_nl": question_nl,
            "question_en": question_en, "examples": examples}  # fmt: skip
    found = plain_dutch.warnings(answer_nl)
    if found and not confirmed:
        return await _page(request, staff, group_id, form=form, warnings=found)

    def save() -> None:
        with sessions_of(request).begin() as session:
            desk.answer(
                session, group_id=group_id, nl=answer_nl, en=answer_en, by=staff.name,
                question_nl=question_nl.strip() or None, question_en=question_en.strip() or None,
                examples=_lines(examples),
            )  # fmt: skip

    try:
        await anyio.to_thread.run_sync(save)
    except desk.DeskError as error:
        return await _page(request, staff, group_id, status_code=422, error=str(error), form=form)
    return redirect("/dashboard/questions?done=answered")


@router.post("/questions/{group_id}/link")
async def link(
    request: Request, staff: StaffForm, group_id: int,
    answer_key: Annotated[str, Form()] = "", examples: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    """The group's questions become examples of an existing answer."""

    def save() -> None:
        with sessions_of(request).begin() as session:
            desk.link(session, group_id=group_id, answer_key=answer_key, by=staff.name,
                      examples=_lines(examples))  # fmt: skip

    try:
        await anyio.to_thread.run_sync(save)
    except desk.DeskError as error:
        return await _page(request, staff, group_id, status_code=422, error=str(error),
                           form={"answer_key": answer_key, "examples": examples})  # fmt: skip
    return redirect("/dashboard/questions?done=linked")


@router.post("/questions/{group_id}/dismiss")
async def dismiss(request: Request, staff: StaffForm, group_id: int) -> Response:
    """Not worth an answer: the group leaves the inbox."""

    def save() -> None:
        with sessions_of(request).begin() as session:
            desk.dismiss(session, group_id=group_id, by=staff.name)

    try:
        await anyio.to_thread.run_sync(save)
    except desk.DeskError as error:
        return await _page(request, staff, group_id, status_code=422, error=str(error))
    return redirect("/dashboard/questions?done=dismissed")


@router.post("/questions/{group_id}/reply")
async def reply(
    request: Request, staff: StaffForm, group_id: int, text: Annotated[str, Form()] = ""
) -> Response:
    """Answer the waiting prospects on their own channel; Tekkie keeps the conversations."""
    deliver: Deliver = request.app.state.deliver
    result = await reply_to_waiting(
        sessions=sessions_of(request), rasa=request.app.state.rasa, deliver=deliver,
        group_id=group_id, staff=staff, text=text,
    )  # fmt: skip
    if result is None:
        return await _page(request, staff, group_id)  # the 404 page
    if result.invalid or result.rasa_unavailable:
        error = "questions_reply_invalid" if result.invalid else "handoff_rasa_unavailable"
        return await _page(request, staff, group_id, status_code=422 if result.invalid else 503,
                           error=error, form={"reply": text})  # fmt: skip
    return redirect(f"/dashboard/questions/{group_id}?done=replied&sent={result.sent}"
                    f"&outside={result.outside_window}")  # fmt: skip
