"""obligation: index the business date alone, for the regional view; drop the unused (status, due_at)

The regional officer's view counts every branch's obligations of one day
(``compliance_read.regional_report``: ``WHERE business_date = :day``). The only index with
the date led with the branch, so PostgreSQL read the whole table: at 1,400 branches and
~66 obligations a branch-day, a year is ~34 million rows. ``ix_obligation_open``
(``status, due_at``) served no statement, and cost every insert of an evaluation an index
entry (#14).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:00:00

"""
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_obligation_open')
        batch_op.create_index('ix_obligation_date', ['business_date'], unique=False)


def downgrade():
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_obligation_date')
        batch_op.create_index('ix_obligation_open', ['status', 'due_at'], unique=False)
