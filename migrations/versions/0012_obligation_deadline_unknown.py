"""obligation: a deadline the calendar cannot compute is its own state; statistics filed (#13, #14)

A complaint deadline that needs a calendar year nobody loaded is never guessed: its
obligation shows ``deadline_unknown`` with no due time until the year is loaded. The
status and verdict checks learn the new value; ``window_end`` and ``due_at`` may be null.
``statistics_filing`` records that a business day's forms and statistics were filed
(R-CMP-10), the evidence of its obligation.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02 17:40:00

"""
from alembic import op
import sqlalchemy as sa
import sync.types


revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

OLD = ('pending', 'met', 'met_synced_late', 'late', 'unconfirmed', 'missed', 'excused')
NEW = OLD + ('deadline_unknown',)


def _in(values):
    return ", ".join(repr(v) for v in values)


def _swap(values, nullable):
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_constraint('status_known', type_='check')
        batch_op.drop_constraint('verdict_known', type_='check')
        batch_op.create_check_constraint('status_known', f"status IN ({_in(values)})")
        batch_op.create_check_constraint('verdict_known', f"verdict IN ({_in(values)})")
        for column in ('window_end', 'due_at'):
            batch_op.alter_column(column, existing_type=sync.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade():
    _swap(NEW, True)
    op.create_table('statistics_filing',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('filed_by', sa.Uuid(), nullable=False),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_statistics_filing_branch_id_branch')),
    sa.ForeignKeyConstraint(['filed_by'], ['staff.id'], name=op.f('fk_statistics_filing_filed_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_filing')),
    sa.UniqueConstraint('branch_id', 'business_date', name='one_filing_per_day')
    )
    with op.batch_alter_table('statistics_filing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statistics_filing_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statistics_filing_happened_at'), ['happened_at'], unique=False)


def downgrade():
    with op.batch_alter_table('statistics_filing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statistics_filing_happened_at'))
        batch_op.drop_index(batch_op.f('ix_statistics_filing_branch_id'))
    op.drop_table('statistics_filing')
    # Unknown deadlines have no due time to fall back on: they are judged again once
    # the calendar knows the year, so they are dropped rather than guessed.
    op.execute("DELETE FROM alert WHERE obligation_id IN (SELECT id FROM obligation WHERE status = 'deadline_unknown' "
               "OR verdict = 'deadline_unknown')")
    op.execute("DELETE FROM obligation_excuse WHERE obligation_id IN (SELECT id FROM obligation "
               "WHERE verdict = 'deadline_unknown')")
    op.execute("DELETE FROM obligation WHERE verdict = 'deadline_unknown' OR status = 'deadline_unknown'")
    _swap(OLD, False)
