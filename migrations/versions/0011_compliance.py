"""compliance: obligations, their excuses, alerts, and the scheduler's fencing token (#14)

``obligation`` holds one row per (rule, subject, window) with the rule's verdict and the
status shown; ``obligation_excuse`` appends supervisors' excuses and withdrawals;
``alert`` holds one row per (obligation, kind); ``compliance_progress`` the last day of
each branch whose obligations are final (catch-up starts after it).
``scheduler_lease.token`` rises with every change of holder: a job commits only while the
lease still carries its token.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 13:25:34.573181

"""
from alembic import op
import sqlalchemy as sa
import sync.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('compliance_progress',
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('closed_through', sa.Date(), nullable=False),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_compliance_progress_branch_id_branch')),
    sa.PrimaryKeyConstraint('branch_id', name=op.f('pk_compliance_progress'))
    )
    op.create_table('obligation',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('rule_version', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=64), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('window_start', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('window_end', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('judged_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'met', 'met_synced_late', 'late', 'unconfirmed', 'missed', 'excused')", name=op.f('ck_obligation_status_known')),
    sa.CheckConstraint("verdict IN ('pending', 'met', 'met_synced_late', 'late', 'unconfirmed', 'missed', 'excused')", name=op.f('ck_obligation_verdict_known')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_obligation_branch_id_branch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation')),
    sa.UniqueConstraint('branch_id', 'rule', 'subject_kind', 'subject_id', 'window_start', name='one_per_rule_subject_window')
    )
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.create_index('ix_obligation_branch_date', ['branch_id', 'business_date'], unique=False)
        batch_op.create_index('ix_obligation_open', ['status', 'due_at'], unique=False)

    op.create_table('alert',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('obligation_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('raised_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.Uuid(), nullable=True),
    sa.Column('ack_note', sa.Text(), nullable=True),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_alert_branch_id_branch')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_alert_obligation_id_obligation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert')),
    sa.UniqueConstraint('key', name=op.f('uq_alert_key'))
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_branch_open', ['branch_id', 'resolved_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_obligation_id'), ['obligation_id'], unique=False)

    op.create_table('obligation_excuse',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('obligation_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("action IN ('excuse', 'withdraw')", name=op.f('ck_obligation_excuse_action_known')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_obligation_excuse_branch_id_branch')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_obligation_excuse_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_obligation_excuse_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_obligation_excuse'))
    )
    with op.batch_alter_table('obligation_excuse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_obligation_excuse_obligation_id'), ['obligation_id'], unique=False)

    with op.batch_alter_table('scheduler_lease', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token', sa.BigInteger(), server_default='1', nullable=False))



def downgrade():
    with op.batch_alter_table('scheduler_lease', schema=None) as batch_op:
        batch_op.drop_column('token')

    with op.batch_alter_table('obligation_excuse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_obligation_excuse_obligation_id'))

    op.drop_table('obligation_excuse')
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_obligation_id'))
        batch_op.drop_index('ix_alert_branch_open')

    op.drop_table('alert')
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_obligation_open')
        batch_op.drop_index('ix_obligation_branch_date')

    op.drop_table('obligation')
    op.drop_table('compliance_progress')
