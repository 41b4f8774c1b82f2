"""Running a ticket action: the dialogs in order, the store's write, the note that says how it went.

`console.actions` holds the one table of keys (what the footer shows and which key runs what);
this module holds what a key does once pressed, with the dialogs and the workflow it needs. It
is imported on the first action key (or the first `why not` of one), not by the queue's first
paint: the supervision area's dialogs, the dispatch dialog and the workflow come with it.

    choose (verify, visit) → text form (reason, result, new deadline) → confirm (y/n, for the
    irreversible steps in `workflow.CONFIRM`) → `workflow.act(…, expected_version=what the
    operator saw)` → a note saying what happened, or why not → `app.refresh_now()`

Adding an action: write `async def run(r: ActionRun)` here and add it to `RUNS` under the
action's name, and one row to `console.actions.ACTIONS`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from griddesk.console.actions import TicketAction, label
from griddesk.console.logs import details_hint
from griddesk.console.screens import supervise
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.widgets.dialogs import CLOSE, STAY, ChoiceDialog, ConfirmDialog, Field, TextForm
from griddesk.store import timefmt, views, workflow
from griddesk.store.actor import Actor
from griddesk.store.enums import Satisfaction, Status
from griddesk.store.errors import Conflict, Invalid, StoreError
from griddesk.store.faults import Fault, short
from griddesk.store.i18n import code_name, has, t
from griddesk.store.views import TicketView

if TYPE_CHECKING:
    from griddesk.console.shell import Shell
    from griddesk.store.context import Store

log = logging.getLogger(__name__)


@dataclass
class ActionRun:
    """One run of an action on one ticket, as the operator saw it when pressing the key."""

    app: Shell
    action: TicketAction
    number: str
    version: int | None  # the version on screen: a change since then is a Conflict
    ticket: TicketView | None  # the ticket as last read (None when not read yet)
    summary: str | None = None  # what the dialogs say about it, when the caller knows better
    request: str = ""  # approve / reject: the unit's pending request, as it put it
    written: bool = False  # the store took the step
    after: Callable[[], object] | None = None  # run once the step was written (hotline mode)

    @property
    def store(self) -> Store:
        return self.app.store

    @property
    def actor(self) -> Actor:
        return self.app.actor

    async def ask(self, dialog: Screen[Any]) -> Any:
        """Open a dialog and wait for its answer."""
        return await self.app.push_screen(dialog, wait_for_dismiss=True)

    async def confirm(self, name: str, params: workflow.Params | None = None) -> bool:
        return bool(await self.ask(ConfirmDialog(verb(name), confirm_text(self, name, params))))

    async def write(self, name: str, params: workflow.Params, in_form: bool = False) -> StoreError | None:
        """Check, confirm if irreversible, write; report the outcome. Returns the error when the
        store refused, else None. `in_form`: a field's error is left to the form to show beside
        the field; every other refusal is reported here."""
        try:
            problem = workflow.param_problem(name, params) or self.missing(name, params)
            if problem is not None:
                raise problem
            if name in workflow.CONFIRM and not await self.confirm(name, params):
                return STAY_ERROR
            out = await workflow.act(self.store, self.actor, self.number, name, params,
                                     expected_version=self.version)
        except StoreError as e:
            if not (in_form and stays_open(e)):
                self.fail(e)
            return e
        self.written = True
        self.app.notify(t("desk.done", number=out.number, action=label(self.action),
                          status=code_name("status", out.to_status)), timeout=6)
        if out.unknown_years:
            self.app.notify(t("error.calendar_unknown_year", years=", ".join(map(str, out.unknown_years))),
                            severity="warning", timeout=12)
        self.app.refresh_now()
        return None

    def missing(self, name: str, params: workflow.Params) -> Invalid | None:
        """What this ticket needs beyond the table (a reason to close over a dissatisfied visit),
        asked before the confirmation rather than after it."""
        if self.ticket is None:
            return None
        lacking = [n for n in workflow.needs(name, self.ticket) if n not in params.given()]
        if not lacking:
            return None
        if name == "close" and lacking[0] == "reason":
            return Invalid("workflow.close_dissatisfied", field="reason")
        key = "workflow.reason_required" if lacking[0] == "reason" else "workflow.param_required"
        return Invalid(key, field=lacking[0], action=verb(name))

    def fail(self, e: StoreError) -> None:
        """Say why not: the store's message (a Conflict names who did what and when)."""
        title = t("desk.conflict_title") if isinstance(e, Conflict) else t("desk.refused_title")
        self.app.notify(e.message(), title=title, severity="error", timeout=15, markup=False)

    async def form(self, fields: list[Field], params: Callable[[dict[str, str | None]], workflow.Params],
                   intro: str = "", remap: dict[str, str] | None = None) -> bool:
        """A text form whose submit writes the action; True when written."""
        name = self.action.name

        async def submit(values: dict[str, str | None]) -> Any:
            try:
                p = params(values)
            except StoreError as e:
                return _remapped(e, remap)
            err = await self.write(name, p, in_form=True)
            if err is STAY_ERROR:
                return STAY
            if err is None:
                return None
            if stays_open(err):
                return _remapped(err, remap)
            return CLOSE

        return bool(await self.ask(TextForm(verb(name), fields, submit, intro or self.intro())))

    def intro(self) -> str:
        if self.summary:
            return self.summary
        tk = self.ticket
        if tk is None:
            return self.number
        return f"{tk.number}  {tk.title}  ({code_name('status', tk.status)})"


def stays_open(e: StoreError) -> bool:
    """A dialog stays open, with what was typed, for a field's error and for a fault of the
    database (full disk, server gone): sent again once the fault clears, it goes through."""
    return (isinstance(e, Invalid) and bool(e.field)) or isinstance(e, Fault)


class _Stay(StoreError):
    """The operator declined the confirmation: back to the form, nothing said."""


STAY_ERROR = _Stay("desk.dialog.cancel")


def _remapped(e: StoreError, remap: dict[str, str] | None) -> StoreError:
    if remap and e.field in remap:
        return type(e)(e.key, field=remap[e.field], **e.params)
    return e


def verb(name: str) -> str:
    """The action as a dialog's title names it (the workflow's verb: 申请退回, request a return)."""
    return workflow.action_name(name)


def confirm_text(r: ActionRun, name: str, params: workflow.Params | None) -> str:
    tk = r.ticket
    title = tk.title if tk is not None else ""
    request = ""
    if tk is not None and tk.status == Status.RETURN_REQUESTED:
        request = t("desk.confirm.return_request")
    elif tk is not None and tk.status == Status.EXTENSION_REQUESTED:
        request = t("desk.confirm.extension_request")
    key = f"desk.confirm.{name}" if has(f"desk.confirm.{name}") else "desk.confirm.generic"
    text = t(key, number=r.number, title=title, request=request)
    if r.request:
        text += "\n\n" + r.request
    if params is not None and params.reason:
        text += "\n" + t("desk.confirm.reason", reason=params.reason)
    return text


# --- the actions ---------------------------------------------------------------------------------


async def _simple(r: ActionRun) -> None:
    """Actions that need nothing but the key (sign, resume, close after a visit)."""
    await r.write(r.action.name, workflow.Params())


async def request_text(r: ActionRun) -> str:
    """The pending return or extension request, as the unit put it: what is being decided."""
    try:
        d = await views.detail(r.store, r.actor, r.number)
    except StoreError:
        return ""
    asked = [e for e in d.timeline if e.action in ("return", "extend")]
    if not asked or d.ticket.status not in (Status.RETURN_REQUESTED, Status.EXTENSION_REQUESTED):
        return ""
    e = asked[-1]
    text = t("desk.request.by", who=e.actor, what=workflow.action_name(e.action))
    if e.note:
        text += "\n" + t("desk.confirm.reason", reason=e.note)
    data = e.data or {}
    if data.get("progress"):
        text += "\n" + t("desk.request.progress", progress=data["progress"])
    if data.get("until"):
        until = datetime.fromisoformat(data["until"])
        text += "\n" + t("desk.request.until", until=timefmt.local(until, r.store.calendar.tz, "%Y-%m-%d %H:%M"))
    return text


async def _approve(r: ActionRun) -> None:
    r.request = await request_text(r)
    await r.write("approve", workflow.Params())


async def _reject(r: ActionRun) -> None:
    r.request = await request_text(r)
    intro = r.intro() + ("\n" + r.request if r.request else "")
    await r.form([_reason_field(r)], lambda v: workflow.Params(reason=v["reason"]), intro=intro)


def _reason_field(r: ActionRun) -> Field:
    return Field("reason", t("field.reason"), placeholder=t(f"desk.form.reason_{r.action.name}",
                                                              action=verb(r.action.name)))


async def _with_reason(r: ActionRun) -> None:
    """return, reject, suspend, reopen: a reason the form will not submit without."""
    await r.form([_reason_field(r)], lambda v: workflow.Params(reason=v["reason"]))


async def _feedback(r: ActionRun) -> None:
    await r.form([Field("note", t("desk.form.result"), placeholder=t("desk.form.result_placeholder"))],
                 lambda v: workflow.Params(note=v["note"]))


async def _extend(r: ActionRun) -> None:
    tz = r.store.calendar.tz

    def params(v: dict[str, str | None]) -> workflow.Params:
        when = (v["until"] or "").strip()
        days: int | None = None
        until = None
        if when.isdigit():
            days = int(when)
        elif when:
            until = workflow.parse_until(when, tz)
        return workflow.Params(reason=v["reason"], note=v["note"], days=days, until=until)

    fields = [_reason_field(r),
              Field("note", t("desk.form.progress"), placeholder=t("desk.form.progress_placeholder")),
              Field("until", t("desk.form.until"), placeholder=t("desk.form.until_placeholder"))]
    await r.form(fields, params, remap={"days": "until"})


async def _verify(r: ActionRun) -> None:
    got = await r.ask(ChoiceDialog(verb("verify"), [("pass", t("desk.verify.pass")), ("fail", t("desk.verify.fail"))],
                                   intro=r.intro()))
    if got == "pass":
        await r.write("verify", workflow.Params(passed=True))
    elif got == "fail":
        await r.form([Field("reason", t("desk.verify.fail_reason"), placeholder=t("desk.verify.fail_placeholder"))],
                     lambda v: workflow.Params(passed=False, reason=v["reason"]),
                     intro=r.intro() + "\n" + t("desk.verify.fail"))


async def _visit(r: ActionRun) -> None:
    choices = [(s.value, code_name("satisfaction", s.value)) for s in Satisfaction]
    got = await r.ask(ChoiceDialog(verb("visit"), choices, intro=r.intro()))
    if got:
        await r.write("visit", workflow.Params(satisfaction=got))


async def _close(r: ActionRun) -> None:
    if r.ticket is not None and "reason" in workflow.needs("close", r.ticket):
        # BH 20: closing over a dissatisfied visit is explained, not done quietly
        await r.form([Field("reason", t("field.reason"), placeholder=t("desk.form.reason_close_dissatisfied"))],
                     lambda v: workflow.Params(reason=v["reason"]),
                     intro=r.intro() + "\n" + t("workflow.close_dissatisfied"))
    else:
        await r.write("close", workflow.Params())


async def _dispatch(r: ActionRun) -> None:
    async def submit(lead: str, co: tuple[str, ...], note: str | None) -> Any:
        e = await r.write("dispatch", workflow.Params(unit=lead, co_units=co, note=note), in_form=True)
        if e is STAY_ERROR:
            return STAY
        if e is None:
            return None
        if stays_open(e):
            return e
        return CLOSE

    await r.ask(DispatchDialog(r.number, submit, summary=r.intro()))



def _dialog(dialog: supervise.TicketDialog) -> Callable[[ActionRun], Awaitable[None]]:
    """Supervise / escalate / export a notice: their own dialog does the rest."""
    async def run(r: ActionRun) -> None:
        await r.ask(dialog(r.number, summary=r.ticket.title if r.ticket is not None else ""))
    return run


# what each action of `console.actions.ACTIONS` does, by its name
RUNS: dict[str, Callable[[ActionRun], Awaitable[None]]] = {
    "dispatch": _dispatch,
    "sign": _simple,
    "return": _with_reason,
    "extend": _extend,
    "approve": _approve,
    "reject": _reject,
    "suspend": _with_reason,
    "resume": _simple,
    "feedback": _feedback,
    "verify": _verify,
    "visit": _visit,
    "close": _close,
    "reopen": _with_reason,
    # the supervision area's S 督办 / E 上报 / X 导出通知书
    **{name: _dialog(dialog) for name, (dialog, _) in supervise.TICKET_DIALOGS.items()},
}


async def run(r: ActionRun) -> None:
    try:
        await RUNS[r.action.name](r)
        if r.written and r.after is not None:
            r.after()
    except StoreError as e:
        r.fail(e)
    except Exception as e:  # a bug or a lost database must not take the console down
        log.exception("action %s on %s failed", r.action.name, r.number)
        r.app.notify(t("desk.failed", reason=short(e)) + details_hint(), severity="error", timeout=15,
                     markup=False)
