"""The console's first painted queue imports only what it shows (issue 13 point 3: start-up ≤ 1.3×
a bare Textual app). The notices, the ladder and its jobs, the header counts (escalation and the
workflow behind them), the action dialogs and the supervision area wait until the queue has
painted its first page (console/app.py `_startup`, console/action_runs.py); libraries that only
some screens use (argon2, pypinyin, openpyxl, Alembic) are not loaded at all.

Run in a fresh process: the modules loaded when the queue screen says it has shown its first
read (`FirstShown`, posted after the refresh that painted it), then again once the deferred
start has run (the header counts read, the alerts started).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from griddesk.store import tickets
from tests.cli.script import env
from tests.fixtures_town import Town

# imported after the first paint, never before it
DEFERRED = (
    "griddesk.console.action_runs", "griddesk.console.screens.supervise", "griddesk.console.screens.dispatch",
    "griddesk.console.widgets.dialogs", "griddesk.store.workflow", "griddesk.store.escalation",
    "griddesk.store.supervision", "griddesk.store.jobs", "griddesk.store.notices", "griddesk.store.counts",
    "griddesk.store.formal_notice",
)
# not needed by the first screen at all
HEAVY = ("argon2", "pypinyin", "openpyxl", "alembic")

PROBE = """
import asyncio, json, sys
from griddesk.console.app import GridDeskApp
from griddesk.store.context import Store

seen = {}
first_shown = GridDeskApp.on_first_shown

def spy(self, message):
    seen.setdefault("painted", sorted(sys.modules))
    seen["rows"] = self.screen.query_one("#queue-table").row_count
    first_shown(self, message)

GridDeskApp.on_first_shown = spy

async def main():
    store = await Store.open(sys.argv[1])
    app = GridDeskApp(store=store, actor=await store.actor("op01"), lang="zh")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(6000):  # until the deferred start has run: a bound for broken code
            if app.counts_at is not None and app.alerts.checks > 0:
                break
            await pilot.pause(0.01)
        seen["later"] = sorted(sys.modules)
        seen["checks"] = app.alerts.checks
    await store.close()
    print("SEEN " + json.dumps(seen))

asyncio.run(main())
"""


def _start(home: Path, db_path: Path) -> dict:  # type: ignore[type-arg]
    """Start the console in a fresh process: the modules it had loaded at first paint and later."""
    r = subprocess.run([sys.executable, "-c", PROBE, f"sqlite+aiosqlite:///{db_path}"], env=env(home),
                       capture_output=True, text=True, timeout=300)
    lines = [line for line in r.stdout.splitlines() if line.startswith("SEEN ")]
    assert lines, r.stderr[-3000:]
    return json.loads(lines[-1].removeprefix("SEEN "))  # type: ignore[no-any-return]


async def test_the_first_painted_queue_imports_only_what_it_shows(town: Town, db_path: Path,
                                                                  machine_admin: Path) -> None:
    await tickets.create(town.store, town.operator, tickets.parse(town.ticket()))
    home = Path(os.environ["GRIDDESK_HOME"])
    seen = _start(home, db_path)
    assert seen["rows"] > 0  # the queue was painted with its rows
    painted, later = set(seen["painted"]), set(seen["later"])
    assert sorted(painted & set(DEFERRED)) == []
    assert sorted({m.split(".")[0] for m in painted} & set(HEAVY)) == []
    # and what was deferred did run: the header counts were read, the notices checked
    assert seen["checks"] > 0
    assert {"griddesk.store.counts", "griddesk.store.notices"} <= later
