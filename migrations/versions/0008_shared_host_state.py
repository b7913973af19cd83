"""shared host state: the cursor key and photo bytes in the database (#16)

``app_secret`` keeps secrets every host of one database shares (the sync cursor key),
so hosts behind one load balancer accept each other's cursors without a ``SECRET_KEY``
copied by hand. ``photo_blob`` and ``photo_upload_part`` hold photo bytes (complete and
partial uploads) when the photo store is the database (PostgreSQL's default), so every
host serves every photo.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('app_secret',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_app_secret'))
    )
    op.create_table('photo_blob',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo_blob'))
    )
    op.create_table('photo_upload_part',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo_upload_part'))
    )


def downgrade():
    op.drop_table('photo_upload_part')
    op.drop_table('photo_blob')
    op.drop_table('app_secret')
