"""working calendar: administrators' loads of China's working-day calendar

``calendar_load`` keeps every load of a year (append-only, the highest ``version`` is
current) with who loaded it and when; ``calendar_day`` its days (a statutory holiday or an
adjusted working weekend, 调休上班) that differ from the chinese-calendar package or, for
a year the package does not know, from Monday-to-Friday (domain.md "Working days and time").

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02 07:54:49.526047

"""
from alembic import op
import sqlalchemy as sa
import sync.types


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_load',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('complete', sa.Boolean(), nullable=False),
    sa.Column('loaded_by', sa.String(length=100), nullable=False),
    sa.Column('loaded_by_id', sa.Uuid(), nullable=True),
    sa.Column('loaded_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['loaded_by_id'], ['staff.id'], name=op.f('fk_calendar_load_loaded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_load')),
    sa.UniqueConstraint('year', 'version', name='year_version')
    )
    op.create_table('calendar_day',
    sa.Column('load_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.CheckConstraint("kind IN ('holiday', 'workday')", name=op.f('ck_calendar_day_kind_known')),
    sa.ForeignKeyConstraint(['load_id'], ['calendar_load.id'], name=op.f('fk_calendar_day_load_id_calendar_load'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('load_id', 'day', name=op.f('pk_calendar_day'))
    )


def downgrade():
    op.drop_table('calendar_day')
    op.drop_table('calendar_load')
