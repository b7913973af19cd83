"""sync_change: analyze and vacuum it often (PostgreSQL)

The feed is upserted on every change, so it gathers dead rows, and a branch's audiences
grow from nothing: with the default thresholds (a tenth of the table) a new branch's rows
stay unanalyzed for long on a large feed, and the planner then reads a grown audience
with a bitmap scan and a sort instead of the ordered index range (bench/README.md: 5.8 ms
a page against 0.74 ms). Every 1,000 changed rows plus 1-2 % of the table instead.
SQLite has no autovacuum: nothing to do there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 15:30:00

"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: Per-table storage parameters of ``sync_change`` (PostgreSQL ``ALTER TABLE … SET``).
SETTINGS = {
    "autovacuum_analyze_threshold": 1000,
    "autovacuum_analyze_scale_factor": 0.01,
    "autovacuum_vacuum_threshold": 1000,
    "autovacuum_vacuum_scale_factor": 0.02,
}


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        values = ", ".join(f"{k} = {v}" for k, v in SETTINGS.items())
        op.execute(f"ALTER TABLE sync_change SET ({values})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE sync_change RESET ({', '.join(SETTINGS)})")
