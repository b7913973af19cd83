"""shift: index a person's and a post's shifts by their end, to find the ones running in a window (#17)

``services.shift`` asks which of a person's shifts could run at an instant (every
patrol, cleaning round and shift start asks it): the open ones and those ended since,
started by then. ``ix_shift_staff_started`` bounds that from above only, so each
question walked every earlier shift of the person; ``ix_shift_staff_ended`` reads the
open shifts and the recently ended ones as two short ranges. Likewise a new shift's gap
asks which shift of the post covers its start, or ended last before it:
``ix_shift_branch_post_ended`` answers without walking the post's history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:20:00

"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.create_index('ix_shift_staff_ended', ['staff_id', 'ended_at', 'happened_at'], unique=False)
        batch_op.create_index('ix_shift_branch_post_ended', ['branch_id', 'post', 'ended_at', 'happened_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_index('ix_shift_branch_post_ended')
        batch_op.drop_index('ix_shift_staff_ended')
