"""lobby: suggestion box sessions, entries, callbacks; complaint cases, events, JR/T code corrections

``box_session`` (one per branch and business day, R-BOX-1), ``box_entry`` with its written
reply (R-BOX-2), ``box_callback`` (every attempt, R-BOX-3); ``complaint`` (the intake form
with both clocks, R-CMP-3..9), ``complaint_event`` (append-only history) and
``complaint_code`` (administrators' corrections of the JR/T 0169-2018 table).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:43:04.190535

"""
from alembic import op
import sqlalchemy as sa
import sync.types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('box_session',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.Uuid(), nullable=False),
    sa.Column('opened_late', sa.Boolean(), nullable=False),
    sa.Column('due_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('slip_count', sa.Integer(), nullable=True),
    sa.Column('empty', sa.Boolean(), nullable=False),
    sa.Column('closed_by', sa.Uuid(), nullable=True),
    sa.Column('callbacks_reason', sa.Text(), nullable=True),
    sa.Column('open_callbacks', sa.Integer(), nullable=False),
    sa.Column('end_device_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('end_received_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('end_skew_ms', sa.Integer(), nullable=True),
    sa.Column('end_happened_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('end_clock_suspect', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_box_session_branch_id_branch')),
    sa.ForeignKeyConstraint(['closed_by'], ['staff.id'], name=op.f('fk_box_session_closed_by_staff')),
    sa.ForeignKeyConstraint(['opened_by'], ['staff.id'], name=op.f('fk_box_session_opened_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_box_session')),
    sa.UniqueConstraint('branch_id', 'business_date', name='one_box_session_per_day')
    )
    with op.batch_alter_table('box_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_box_session_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_session_end_happened_at'), ['end_happened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_session_happened_at'), ['happened_at'], unique=False)

    op.create_table('complaint',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('hotline_ticket', sa.String(length=64), nullable=True),
    sa.Column('entry_id', sa.Uuid(), nullable=True),
    sa.Column('taken_by', sa.Uuid(), nullable=False),
    sa.Column('taker_role', sa.String(length=32), nullable=False),
    sa.Column('taker_level', sa.String(length=32), nullable=False),
    sa.Column('settled_on_contact', sa.Boolean(), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.Column('owner_role', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Uuid(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('jrt_channel', sa.String(length=8), nullable=False),
    sa.Column('jrt_business', sa.String(length=8), nullable=False),
    sa.Column('jrt_cause', sa.String(length=8), nullable=False),
    sa.Column('consumer', sa.Boolean(), nullable=False),
    sa.Column('complex', sa.Boolean(), nullable=False),
    sa.Column('extension_approved_by', sa.Uuid(), nullable=True),
    sa.Column('extension_customer_told', sa.Boolean(), nullable=False),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('appraisal_since', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('report_to_regulator', sa.Boolean(), nullable=False),
    sa.Column('regulator_reported_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('handoff_due_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('handoff_to', sa.String(length=32), nullable=True),
    sa.Column('reply_due_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reply_due_calendar', sa.String(length=200), nullable=True),
    sa.Column('promised_reply_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('regulator_due_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('regulator_due_calendar', sa.String(length=200), nullable=True),
    sa.Column('deadline_unknown_year', sa.Integer(), nullable=True),
    sa.Column('due_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('due_clock', sa.String(length=16), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('customer_response', sa.Text(), nullable=True),
    sa.Column('resolved_by', sa.Uuid(), nullable=True),
    sa.Column('resolved_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_complaint_branch_id_branch')),
    sa.ForeignKeyConstraint(['extension_approved_by'], ['staff.id'], name=op.f('fk_complaint_extension_approved_by_staff')),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_complaint_owner_id_staff')),
    sa.ForeignKeyConstraint(['resolved_by'], ['staff.id'], name=op.f('fk_complaint_resolved_by_staff')),
    sa.ForeignKeyConstraint(['taken_by'], ['staff.id'], name=op.f('fk_complaint_taken_by_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint'))
    )
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_complaint_branch_opened', ['branch_id', 'happened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_deadline_unknown_year'), ['deadline_unknown_year'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_escalated'), ['escalated'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_happened_at'), ['happened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_status'), ['status'], unique=False)

    op.create_table('complaint_code',
    sa.Column('axis', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['staff.id'], name=op.f('fk_complaint_code_updated_by_staff')),
    sa.PrimaryKeyConstraint('axis', 'code', name=op.f('pk_complaint_code'))
    )
    op.create_table('box_entry',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('customer_name', sa.String(length=200), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('replied_by', sa.Uuid(), nullable=True),
    sa.Column('replied_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reply_received_at', sync.types.UtcDateTime(timezone=True), nullable=True),
    sa.Column('callback_status', sa.String(length=16), nullable=False),
    sa.Column('callback_attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_box_entry_branch_id_branch')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff.id'], name=op.f('fk_box_entry_recorded_by_staff')),
    sa.ForeignKeyConstraint(['replied_by'], ['staff.id'], name=op.f('fk_box_entry_replied_by_staff')),
    sa.ForeignKeyConstraint(['session_id'], ['box_session.id'], name=op.f('fk_box_entry_session_id_box_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_box_entry'))
    )
    with op.batch_alter_table('box_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_box_entry_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_entry_business_date'), ['business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_entry_happened_at'), ['happened_at'], unique=False)
        batch_op.create_index('ix_box_entry_session', ['session_id'], unique=False)

    op.create_table('complaint_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('complaint_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('from_level', sa.String(length=32), nullable=True),
    sa.Column('to_level', sa.String(length=32), nullable=True),
    sa.Column('to_staff_id', sa.Uuid(), nullable=True),
    sa.Column('skipped', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_complaint_event_actor_id_staff')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_complaint_event_branch_id_branch')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], name=op.f('fk_complaint_event_complaint_id_complaint')),
    sa.ForeignKeyConstraint(['to_staff_id'], ['staff.id'], name=op.f('fk_complaint_event_to_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_event'))
    )
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_event_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index('ix_complaint_event_case', ['complaint_id', 'happened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_event_happened_at'), ['happened_at'], unique=False)

    op.create_table('box_callback',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entry_id', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('called_by', sa.Uuid(), nullable=False),
    sa.Column('device_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('skew_ms', sa.Integer(), nullable=False),
    sa.Column('happened_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('clock_suspect', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_box_callback_branch_id_branch')),
    sa.ForeignKeyConstraint(['called_by'], ['staff.id'], name=op.f('fk_box_callback_called_by_staff')),
    sa.ForeignKeyConstraint(['entry_id'], ['box_entry.id'], name=op.f('fk_box_callback_entry_id_box_entry')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_box_callback')),
    sa.UniqueConstraint('entry_id', 'attempt', name='one_callback_per_attempt')
    )
    with op.batch_alter_table('box_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_box_callback_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_callback_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_box_callback_happened_at'), ['happened_at'], unique=False)



def downgrade():
    with op.batch_alter_table('box_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_box_callback_happened_at'))
        batch_op.drop_index(batch_op.f('ix_box_callback_entry_id'))
        batch_op.drop_index(batch_op.f('ix_box_callback_branch_id'))

    op.drop_table('box_callback')
    with op.batch_alter_table('complaint_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_event_happened_at'))
        batch_op.drop_index('ix_complaint_event_case')
        batch_op.drop_index(batch_op.f('ix_complaint_event_branch_id'))

    op.drop_table('complaint_event')
    with op.batch_alter_table('box_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_box_entry_session')
        batch_op.drop_index(batch_op.f('ix_box_entry_happened_at'))
        batch_op.drop_index(batch_op.f('ix_box_entry_business_date'))
        batch_op.drop_index(batch_op.f('ix_box_entry_branch_id'))

    op.drop_table('box_entry')
    op.drop_table('complaint_code')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_status'))
        batch_op.drop_index(batch_op.f('ix_complaint_happened_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_escalated'))
        batch_op.drop_index(batch_op.f('ix_complaint_due_at'))
        batch_op.drop_index(batch_op.f('ix_complaint_deadline_unknown_year'))
        batch_op.drop_index('ix_complaint_branch_opened')
        batch_op.drop_index(batch_op.f('ix_complaint_branch_id'))

    op.drop_table('complaint')
    with op.batch_alter_table('box_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_box_session_happened_at'))
        batch_op.drop_index(batch_op.f('ix_box_session_end_happened_at'))
        batch_op.drop_index(batch_op.f('ix_box_session_branch_id'))

    op.drop_table('box_session')
