"""Ticket actions by key: the one table of keys, and the code that runs an action from any screen.

`ACTIONS` maps each key to an action. A screen with a current ticket (the queue's highlighted
row, the ticket detail) mixes in `TicketKeys`, adds `*bindings()` to its BINDINGS and says which
ticket is current; the footer then shows only the actions this operator may take on that ticket
now (`allowed`, asked again whenever the ticket or its version changes), and the key runs it.

Running an action (`start`) happens in a worker, so it can wait for dialogs in order:

    choose (verify, visit) → text form (reason, result, new deadline) → confirm (y/n, for the
    irreversible steps in `workflow.CONFIRM`) → `workflow.act(…, expected_version=what the
    operator saw)` → a note saying what happened, or why not → `app.refresh_now()`

What a form must ask comes from the store (`workflow.needs`, `param_problem`), so a reason the
regulations require cannot be skipped here either: the form shows the store's message beside
the field and stays open. A Conflict (someone changed the ticket first) shows the store's
message naming who did what and when; nothing was written.

Adding an action (supervise, escalate, export a notice …): write `async def run(r: ActionRun)`
and an `allowed(actor, ticket)` test, and add one `TicketAction` row to `ACTIONS`. No screen
changes: they build their keys and their footer from this table.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.screen import Screen

from griddesk.console.logs import details_hint
from griddesk.console.screens import supervise
from griddesk.console.screens.dispatch import DispatchDialog
from griddesk.console.widgets.dialogs import CLOSE, STAY, ChoiceDialog, ConfirmDialog, Field, TextForm
from griddesk.store import tickets, timefmt, views, workflow
from griddesk.store.actor import Actor
from griddesk.store.enums import Satisfaction, Status
from griddesk.store.errors import Conflict, Invalid, NotAllowed, StoreError
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


def label(action: TicketAction) -> str:
    """The action as the footer names it (short: 退回, Return)."""
    return t(action.label_key)


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


def _may(name: str) -> Callable[[Actor, TicketView], bool]:
    def allowed(actor: Actor, ticket: TicketView) -> bool:
        try:
            workflow.permit(actor, ticket, name)
        except (NotAllowed, Invalid):
            return False
        return True

    allowed.__name__ = f"may_{name}"
    return allowed


@dataclass(frozen=True)
class TicketAction:
    key: str  # Textual key name
    name: str  # the binding runs ticket_act('<name>'); for the loop's steps, the workflow action
    label_key: str  # translation key of its footer label
    run: Callable[[ActionRun], Awaitable[None]]
    allowed: Callable[[Actor, TicketView], bool]  # shown and usable only when true for this ticket


def _wf(key: str, name: str, run: Callable[[ActionRun], Awaitable[None]]) -> TicketAction:
    return TicketAction(key, name, f"desk.act.{name}", run, _may(name))


def _dialog(dialog: supervise.TicketDialog) -> Callable[[ActionRun], Awaitable[None]]:
    """Supervise / escalate / export a notice: their own dialog does the rest."""
    async def run(r: ActionRun) -> None:
        await r.ask(dialog(r.number, summary=r.ticket.title if r.ticket is not None else ""))
    return run


# The key table, in loop order (the footer's order). Keys must not clash with the screens'
# own (queue: / 0–5 o t m [ ] esc n; detail: r home end esc n) or the app's (? : ctrl+…).
ACTIONS: list[TicketAction] = [
    _wf("d", "dispatch", _dispatch),
    _wf("s", "sign", _simple),
    _wf("b", "return", _with_reason),
    _wf("e", "extend", _extend),
    _wf("a", "approve", _approve),
    _wf("x", "reject", _reject),
    _wf("h", "suspend", _with_reason),
    _wf("g", "resume", _simple),
    _wf("f", "feedback", _feedback),
    _wf("v", "verify", _verify),
    _wf("i", "visit", _visit),
    _wf("c", "close", _close),
    _wf("u", "reopen", _with_reason),
    # the supervision area's S 督办 / E 上报 / X 导出通知书
    *(TicketAction(key, name, label, _dialog(dialog), allowed)
      for key, name, label, dialog, allowed in supervise.TICKET_KEYS),
]

INTAKE_KEY = "n"


def find(name: str) -> TicketAction | None:
    return next((a for a in ACTIONS if a.name == name), None)


def bindings() -> list[Binding]:
    """The action keys for a screen's BINDINGS, plus `n` for a new ticket. Each key is bound
    twice: when the action does not apply (`check_action` says no), Textual tries the second
    binding of the same key, which says why (`not_here`) instead of doing nothing."""
    out = [Binding(a.key, f"ticket_act('{a.name}')", a.label_key) for a in ACTIONS]
    out.append(Binding(INTAKE_KEY, "new_ticket", "desk.key.intake"))
    out += [Binding(a.key, f"not_here('{a.name}')", a.label_key, show=False) for a in ACTIONS]
    out.append(Binding(INTAKE_KEY, "not_here('new_ticket')", "desk.key.intake", show=False))
    return out


def why_not(actor: Actor, name: str, ticket: TicketView | None) -> str:
    """Why action `name` does not apply (translated): the rule's own refusal where there is one."""
    if name == "new_ticket":
        try:
            tickets.check_can_create(actor)
        except StoreError as e:
            return e.message()
        return t("desk.not_here.generic")
    if ticket is None:
        return t("desk.not_here.no_ticket")
    if name in workflow.ACTIONS:
        try:
            workflow.permit(actor, ticket, name)
        except StoreError as e:
            return e.message()
    return t("desk.not_here.role", role=code_name("role", actor.role))


def flash_not_here(app: Shell, name: str, key: str, ticket: TicketView | None) -> None:
    """A key that does not apply here: a notice naming the key and the reason."""
    action = find(name)
    what = label(action) if action is not None else t("desk.key.intake")
    app.notify(t("desk.not_here.notice", key=key, action=what, reason=why_not(app.actor, name, ticket)),
               severity="warning", timeout=6, markup=False)


def may_create(actor: Actor) -> bool:
    try:
        tickets.check_can_create(actor)
    except StoreError:
        return False
    return True


def allowed_names(actor: Actor, ticket: TicketView | None) -> frozenset[str]:
    if ticket is None:
        return frozenset()
    return frozenset(a.name for a in ACTIONS if a.allowed(actor, ticket))


def start(app: Shell, name: str, number: str, version: int | None, ticket: TicketView | None,
          on: Any = None, summary: str | None = None, after: Callable[[], object] | None = None) -> None:
    """Run action `name` on ticket `number` in a worker (of `on`, a screen, else the app);
    `after` runs once the step was written."""
    action = find(name)
    if action is None:
        return
    run = ActionRun(app, action, number, version, ticket, summary, after=after)
    (on or app).run_worker(_run(run), group="ticket-act", exclusive=True, exit_on_error=False)


async def _run(r: ActionRun) -> None:
    try:
        await r.action.run(r)
        if r.written and r.after is not None:
            r.after()
    except StoreError as e:
        r.fail(e)
    except Exception as e:  # a bug or a lost database must not take the console down
        log.exception("action %s on %s failed", r.action.name, r.number)
        r.app.notify(t("desk.failed", reason=short(e)) + details_hint(), severity="error", timeout=15,
                     markup=False)


class TicketKeys:
    """Mixed into a screen that has a current ticket: its action keys and their footer.

    The screen implements `current_ticket()` → (number, version on screen) or None, and calls
    `set_ticket(ticket)` whenever it has read the current ticket (or None when there is none).
    """

    _keys_ticket: TicketView | None = None
    _keys_allowed: frozenset[str] = frozenset()
    # keys typed after an action key wait for its worker (console/typeahead.py): it reads before
    # it opens its dialog, and `d ⏎ ⏎` in one burst sent the ⏎ to the queue (opening the ticket)
    TYPEAHEAD_GROUPS = frozenset({"ticket-act"})

    if TYPE_CHECKING:  # what the screen it is mixed into (a GridScreen) provides
        @property
        def gd(self) -> Shell: ...

        def refresh_bindings(self) -> None: ...

    def current_ticket(self) -> tuple[str, int | None] | None:
        raise NotImplementedError

    def set_ticket(self, ticket: TicketView | None) -> None:
        allowed = allowed_names(self.gd.actor, ticket)
        self._keys_ticket = ticket
        if allowed != self._keys_allowed:
            self._keys_allowed = allowed
            self.refresh_bindings()

    @property
    def allowed_actions(self) -> frozenset[str]:
        return self._keys_allowed

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "ticket_act":
            return bool(parameters) and parameters[0] in self._keys_allowed
        if action == "new_ticket":
            return may_create(self.gd.actor)
        if action == "not_here":  # the fallback binding: only when the real one does not apply
            if not parameters:
                return False
            if parameters[0] == "new_ticket":
                return not may_create(self.gd.actor)
            return parameters[0] not in self._keys_allowed
        return True

    def action_not_here(self, name: str) -> None:
        action = find(name)
        key = action.key if action is not None else INTAKE_KEY
        flash_not_here(self.gd, name, key, self._keys_ticket)

    def action_new_ticket(self) -> None:
        self.gd.open_screen("intake")

    def action_ticket_act(self, name: str) -> None:
        current = self.current_ticket()
        if current is None:
            return
        number, version = current
        ticket = self._keys_ticket if self._keys_ticket is not None and self._keys_ticket.number == number else None
        start(self.gd, name, number, version, ticket, on=self)

