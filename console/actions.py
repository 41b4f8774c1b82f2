"""Ticket actions by key: the one table of keys, and the code that runs an action from any screen.

`ACTIONS` maps each key to an action. A screen with a current ticket (the queue's highlighted
row, the ticket detail) mixes in `TicketKeys`, adds `*bindings()` to its BINDINGS and says which
ticket is current; the footer then shows only the actions this operator may take on that ticket
now (`allowed`, asked again whenever the ticket or its version changes), and the key runs it.

Running an action (`start`) happens in a worker, so it can wait for dialogs in order
(`console.action_runs`, imported on the first key: the dialogs and the workflow are not needed
to paint the queue). What a form must ask comes from the store (`workflow.needs`,
`param_problem`), so a reason the regulations require cannot be skipped here either: the form
shows the store's message beside the field and stays open. A Conflict (someone changed the
ticket first) shows the store's message naming who did what and when; nothing was written.

Adding an action (supervise, escalate, export a notice …): write `async def run(r: ActionRun)`
in `console.action_runs` (its `RUNS`) and an `allowed(actor, ticket)` test, and add one
`TicketAction` row to `ACTIONS`. No screen changes: they build their keys and their footer
from this table.
"""


from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from griddesk.store.actor import Actor
from griddesk.store.errors import Invalid, NotAllowed, StoreError
from griddesk.store.i18n import code_name, t

if TYPE_CHECKING:
    from griddesk.console.shell import Shell
    from griddesk.store.views import TicketView


def _may(name: str) -> Callable[[Actor, TicketView], bool]:
    def allowed(actor: Actor, ticket: TicketView) -> bool:
        from griddesk.store import workflow  # the first ticket read, after the first paint

        try:
            workflow.permit(actor, ticket, name)
        except (NotAllowed, Invalid):
            return False
        return True

    allowed.__name__ = f"may_{name}"
    return allowed


def _supervised(name: str) -> Callable[[Actor, TicketView], bool]:
    """Supervise / escalate / export a notice: the supervision area's own test, from its module."""
    def allowed(actor: Actor, ticket: TicketView) -> bool:
        from griddesk.console.screens import supervise

        return supervise.TICKET_DIALOGS[name][1](actor, ticket)

    allowed.__name__ = f"may_{name}"
    return allowed


@dataclass(frozen=True)
class TicketAction:
    key: str  # Textual key name
    name: str  # the binding runs ticket_act('<name>'); for the loop's steps, the workflow action
    label_key: str  # translation key of its footer label
    allowed: Callable[[Actor, TicketView], bool]  # shown and usable only when true for this ticket
    # what the key does: console.action_runs.RUNS[name]


def _wf(key: str, name: str) -> TicketAction:
    return TicketAction(key, name, f"desk.act.{name}", _may(name))


def _sv(key: str, name: str, label_key: str) -> TicketAction:
    return TicketAction(key, name, label_key, _supervised(name))


# The key table, in loop order (the footer's order). Keys must not clash with the screens'
# own (queue: / 0–5 o t m [ ] esc n; detail: r home end esc n) or the app's (? : ctrl+…).
ACTIONS: list[TicketAction] = [
    _wf("d", "dispatch"),
    _wf("s", "sign"),
    _wf("b", "return"),
    _wf("e", "extend"),
    _wf("a", "approve"),
    _wf("x", "reject"),
    _wf("h", "suspend"),
    _wf("g", "resume"),
    _wf("f", "feedback"),
    _wf("v", "verify"),
    _wf("i", "visit"),
    _wf("c", "close"),
    _wf("u", "reopen"),
    # the supervision area's S 督办 / E 上报 / X 导出通知书 (their dialogs: console/screens/supervise.py)
    _sv("S", "supervise", "console_supervise.key.supervise"),
    _sv("E", "escalate", "console_supervise.key.escalate"),
    _sv("X", "export_notice", "console_supervise.key.export"),
]

def label(action: TicketAction) -> str:
    """The action as the footer names it (short: 退回, Return)."""
    return t(action.label_key)


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
    from griddesk.store import tickets, workflow

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
    from griddesk.store import tickets

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
    from griddesk.console import action_runs  # the dialogs and the workflow: on the first key

    action = find(name)
    if action is None:
        return
    r = action_runs.ActionRun(app, action, number, version, ticket, summary, after=after)
    (on or app).run_worker(action_runs.run(r), group="ticket-act", exclusive=True, exit_on_error=False)


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

