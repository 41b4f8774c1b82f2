"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from griddesk.store import models

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('areas',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('parent_code', sa.String(length=12), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('urban', sa.Boolean(), nullable=False),
    sa.Column('centre_phone', sa.String(length=32), nullable=True),
    sa.Column('platform', sa.String(length=128), nullable=True),
    sa.ForeignKeyConstraint(['parent_code'], ['areas.code'], name=op.f('fk_areas_parent_code_areas')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_areas'))
    )
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_areas_parent_code'), ['parent_code'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_key', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_table('change_feed',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.BigInteger(), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_feed'))
    )
    op.create_table('counters',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_counters'))
    )
    op.create_table('grid_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('grid_codes', sa.JSON(), nullable=False),
    sa.Column('result_codes', sa.JSON(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.Column('filing_status', sa.String(length=16), nullable=False),
    sa.Column('filed_at', models.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_changes'))
    )
    op.create_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.Column('town_code', sa.String(length=9), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('subtype', sa.String(length=32), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('boundary', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.Column('retired_at', models.UTCDateTime(), nullable=True),
    sa.Column('notice_updated_at', models.UTCDateTime(), nullable=True),
    sa.Column('roster_changed_at', models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_grids_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_grids_code'))
    )
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grids_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_grids_town_code'), ['town_code'], unique=False)

    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_units_area_code_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_area_code'), ['area_code'], unique=False)

    op.create_table('matters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('name_en', sa.String(length=128), nullable=True),
    sa.Column('name_initials', sa.String(length=32), nullable=True),
    sa.Column('class_code', sa.String(length=8), nullable=False),
    sa.Column('default_unit_id', sa.Integer(), nullable=True),
    sa.Column('limit_value', sa.Integer(), nullable=False),
    sa.Column('limit_unit', sa.String(length=16), nullable=False),
    sa.Column('escalate', sa.Boolean(), nullable=False),
    sa.Column('admitted_on', sa.Date(), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['default_unit_id'], ['units.id'], name=op.f('fk_matters_default_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matters')),
    sa.UniqueConstraint('code', name=op.f('uq_matters_code'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('name_pinyin', sa.String(length=128), nullable=True),
    sa.Column('name_initials', sa.String(length=16), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('area_code', sa.String(length=12), nullable=True),
    sa.Column('trained_on', sa.Date(), nullable=True),
    sa.Column('certificate_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('left_reason', sa.Text(), nullable=True),
    sa.Column('failed_reviews', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_people_area_code_areas')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_people_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_name_initials'), ['name_initials'], unique=False)

    op.create_table('unit_areas',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('area_code', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['area_code'], ['areas.code'], name=op.f('fk_unit_areas_area_code_areas')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_areas_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_id', 'area_code', name=op.f('pk_unit_areas'))
    )
    op.create_table('unit_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('overdue_count', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_unit_warnings_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_warnings'))
    )
    with op.batch_alter_table('unit_warnings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_warnings_unit_id'), ['unit_id'], unique=False)

    op.create_table('grid_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_grid_assignments_grid_id_grids')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_grid_assignments_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_assignments'))
    )
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_assignments_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_assignments_person_id'), ['person_id'], unique=False)

    op.create_table('matter_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('on', sa.Date(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_matter_events_matter_id_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_events'))
    )
    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_events_matter_id'), ['matter_id'], unique=False)

    op.create_table('matter_limits',
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_matter_limits_matter_id_matters')),
    sa.PrimaryKeyConstraint('matter_id', 'urgency', name=op.f('pk_matter_limits'))
    )
    op.create_table('micro_grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('head_person_id', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_micro_grids_grid_id_grids')),
    sa.ForeignKeyConstraint(['head_person_id'], ['people.id'], name=op.f('fk_micro_grids_head_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_micro_grids')),
    sa.UniqueConstraint('code', name=op.f('uq_micro_grids_code'))
    )
    with op.batch_alter_table('micro_grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_micro_grids_grid_id'), ['grid_id'], unique=False)

    op.create_table('operators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('jurisdiction', sa.String(length=12), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('bell', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['jurisdiction'], ['areas.code'], name=op.f('fk_operators_jurisdiction_areas')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_operators_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_operators_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_operators')),
    sa.UniqueConstraint('login', name=op.f('uq_operators_login'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('reporter_name', sa.String(length=32), nullable=True),
    sa.Column('reporter_phone', sa.String(length=32), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('town_code', sa.String(length=9), nullable=False),
    sa.Column('address', sa.String(length=128), nullable=True),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('out_of_list', sa.Boolean(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('lead_unit_id', sa.Integer(), nullable=True),
    sa.Column('received_at', models.UTCDateTime(), nullable=False),
    sa.Column('due_at', models.UTCDateTime(), nullable=True),
    sa.Column('due_clock', sa.String(length=16), nullable=True),
    sa.Column('warn_at', models.UTCDateTime(), nullable=True),
    sa.Column('handle_due_at', models.UTCDateTime(), nullable=True),
    sa.Column('closed_at', models.UTCDateTime(), nullable=True),
    sa.Column('resolved_on_spot', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('supervise_level', sa.String(length=16), nullable=True),
    sa.Column('escalation', sa.String(length=16), nullable=True),
    sa.Column('held_by', sa.String(length=12), nullable=True),
    sa.Column('resume_status', sa.String(length=24), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', models.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_tickets_grid_id_grids')),
    sa.ForeignKeyConstraint(['lead_unit_id'], ['units.id'], name=op.f('fk_tickets_lead_unit_id_units')),
    sa.ForeignKeyConstraint(['matter_id'], ['matters.id'], name=op.f('fk_tickets_matter_id_matters')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_lead_unit_id'), ['lead_unit_id'], unique=False)
        batch_op.create_index('ix_tickets_queue', ['town_code', 'status', 'urgency', 'due_at'], unique=False)
        batch_op.create_index('ix_tickets_town_received', ['town_code', 'received_at'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clock', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['operator_id'], ['operators.id'], name=op.f('fk_notices_operator_id_operators')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_notices_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('operator_id', 'ticket_id', 'clock', 'kind', name='uq_notices_once')
    )
    op.create_table('supervisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.Column('step_key', sa.String(length=48), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_supervisions_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_supervisions_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisions')),
    sa.UniqueConstraint('step_key', name=op.f('uq_supervisions_step_key'))
    )
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisions_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_clocks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('limit_value', sa.Integer(), nullable=False),
    sa.Column('limit_unit', sa.String(length=16), nullable=False),
    sa.Column('started_at', models.UTCDateTime(), nullable=False),
    sa.Column('due_at', models.UTCDateTime(), nullable=False),
    sa.Column('warn_at', models.UTCDateTime(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('paused_at', models.UTCDateTime(), nullable=True),
    sa.Column('remaining_s', sa.Integer(), nullable=True),
    sa.Column('stopped_at', models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_clocks_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_clocks'))
    )
    with op.batch_alter_table('ticket_clocks', schema=None) as batch_op:
        batch_op.create_index('ix_clocks_running', ['state', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_clocks_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('ticket_co_units',
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_co_units_ticket_id_tickets')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_ticket_co_units_unit_id_units')),
    sa.PrimaryKeyConstraint('ticket_id', 'unit_id', name=op.f('pk_ticket_co_units'))
    )
    op.create_table('timeline',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', models.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=True),
    sa.Column('to_status', sa.String(length=24), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_timeline_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timeline'))
    )
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timeline_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timeline_ticket_id'))

    op.drop_table('timeline')
    op.drop_table('ticket_co_units')
    with op.batch_alter_table('ticket_clocks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_clocks_ticket_id'))
        batch_op.drop_index('ix_clocks_running')

    op.drop_table('ticket_clocks')
    with op.batch_alter_table('supervisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisions_ticket_id'))

    op.drop_table('supervisions')
    op.drop_table('notices')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_town_received')
        batch_op.drop_index('ix_tickets_queue')
        batch_op.drop_index(batch_op.f('ix_tickets_lead_unit_id'))
        batch_op.drop_index(batch_op.f('ix_tickets_grid_id'))

    op.drop_table('tickets')
    op.drop_table('operators')
    with op.batch_alter_table('micro_grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_micro_grids_grid_id'))

    op.drop_table('micro_grids')
    op.drop_table('matter_limits')
    with op.batch_alter_table('matter_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_events_matter_id'))

    op.drop_table('matter_events')
    with op.batch_alter_table('grid_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_assignments_person_id'))
        batch_op.drop_index(batch_op.f('ix_grid_assignments_grid_id'))

    op.drop_table('grid_assignments')
    with op.batch_alter_table('unit_warnings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_warnings_unit_id'))

    op.drop_table('unit_warnings')
    op.drop_table('unit_areas')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_name_initials'))
        batch_op.drop_index(batch_op.f('ix_people_name'))
        batch_op.drop_index(batch_op.f('ix_people_area_code'))

    op.drop_table('people')
    op.drop_table('matters')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_area_code'))

    op.drop_table('units')
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grids_town_code'))
        batch_op.drop_index(batch_op.f('ix_grids_area_code'))

    op.drop_table('grids')
    op.drop_table('grid_changes')
    op.drop_table('counters')
    op.drop_table('change_feed')
    op.drop_table('audit_log')
    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_areas_parent_code'))

    op.drop_table('areas')
