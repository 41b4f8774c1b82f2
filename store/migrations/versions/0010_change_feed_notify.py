"""change feed: NOTIFY on PostgreSQL when entries are appended (live updates by LISTEN)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28

The feed stays the source of truth: the notification carries nothing, it only wakes the
listening consoles (store/notify.py), which then read the feed from the last id they saw. One
NOTIFY per INSERT statement, not per row, and PostgreSQL folds identical notifications within a
transaction into one, so a bulk import wakes each console once.

"From the last id seen" is only safe if ids become visible in id order. A sequence does not
promise that on PostgreSQL (a transaction holding id 100 may commit after the one holding 101,
and a reader that saw 101 would never look at 100 again), so before its first row an INSERT
into the feed takes the transaction-scoped advisory lock the audit chain already takes
(store/records.py CHAIN_LOCK; the same key, so the two can never deadlock): ids are handed out
in commit order. SQLite has one writer at a time, no NOTIFY: its consoles keep polling, and this
migration does nothing there.
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

CHANNEL = "griddesk_changes"  # store/notify.py listens on it (tests/store/test_notify.py checks they agree)
ORDER_LOCK = 29102292345317748  # == store.records.CHAIN_LOCK ("gdaudit"), checked by the same test


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION griddesk_change_feed_notify() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_WHEN = 'BEFORE' THEN
                PERFORM pg_advisory_xact_lock({ORDER_LOCK});
            ELSE
                PERFORM pg_notify('{CHANNEL}', '');
            END IF;
            RETURN NULL;
        END
        $$""")
    op.execute("""
        CREATE TRIGGER change_feed_order BEFORE INSERT ON change_feed
        FOR EACH STATEMENT EXECUTE FUNCTION griddesk_change_feed_notify()""")
    op.execute("""
        CREATE TRIGGER change_feed_notify AFTER INSERT ON change_feed
        FOR EACH STATEMENT EXECUTE FUNCTION griddesk_change_feed_notify()""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS change_feed_notify ON change_feed")
    op.execute("DROP TRIGGER IF EXISTS change_feed_order ON change_feed")
    op.execute("DROP FUNCTION IF EXISTS griddesk_change_feed_notify()")
