"""customer data: throttling per account and source, staff pulls by colleague (#12)

* ``login_failure.source``: failures are counted per account *and* source (a device that
  signed in before, by its device key, else the client address);
  ``device_session.device_key_hash``: the device key a session was opened with.
* The staff feed is re-published in the audiences of ``permissions.staff_audiences``
  (TABLE_VERSION 2): ``<branch>/staff`` without login names, ``<branch>/staff.login``
  with them (administrators), ``<branch>/staff.<role>`` for field colleagues, and an
  on-site contractor's own ``<branch>/staff/staff/<id>``. Devices re-snapshot.
* ``incident.reported_as`` / ``resolved_as``, ``handover_item.closed_as``,
  ``roster_shift.written_as``: the roles that wrote their free text (back-filled from the
  staff's roles); their feed rows are re-published with ``customer_text``, and each
  branch audience gets a ``.plain`` twin without that text, which readers outside the
  customer-data roles now read; a party's own audience loses it (TABLE_VERSION 3).
* ``sync_client.rejected_since`` / ``rejected_bytes`` / ``refused_pushes`` /
  ``last_refused_at``: the bound of rejected mutations one client stores per day.
* ``photo_upload``: a photo belongs to the branch and uploader that uploaded it (each
  existing photo to its recorded uploader, in that member's branch); ``photo_partial``:
  unfinished uploads, bounded per uploader and expired.

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-02 13:30:00

"""
import json

from alembic import op
import sqlalchemy as sa
import sync.types


revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None

#: Roles some field role works with (permissions.STAFF_COLLEAGUES at this revision).
COLLEAGUE_ROLES = {"guard", "cleaner", "onsite", "lobby_manager", "operations_manager"}
#: "teller and above in the same branch" (roles.CUSTOMER_DATA_ROLES at this revision).
CUSTOMER_DATA_ROLES = {"teller", "relationship_manager", "lobby_manager", "service_quality_officer",
                       "operations_manager", "branch_president"}
#: Roles that read their own staff record (permissions.OWN_RECORD_READERS["staff"]).
OWN_READERS = {"onsite"}


def upgrade():
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=64), server_default='', nullable=False))
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_device_session_device_key_hash'), ['device_key_hash'], unique=False)
    with op.batch_alter_table('sync_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_since', sync.types.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rejected_bytes', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('refused_pushes', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_refused_at', sync.types.UtcDateTime(timezone=True), nullable=True))
    op.create_table('photo_upload',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=False),
    sa.Column('branch_id', sa.Uuid(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('received_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_photo_upload_branch_id_branch')),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff.id'], name=op.f('fk_photo_upload_uploaded_by_staff')),
    sa.PrimaryKeyConstraint('sha256', 'uploaded_by', name=op.f('pk_photo_upload'))
    )
    with op.batch_alter_table('photo_upload', schema=None) as batch_op:
        batch_op.create_index('ix_photo_upload_sha256_branch', ['sha256', 'branch_id'], unique=False)
    op.create_table('photo_partial',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Uuid(), nullable=False),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('started_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sync.types.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uploaded_by'], ['staff.id'], name=op.f('fk_photo_partial_uploaded_by_staff')),
    sa.PrimaryKeyConstraint('sha256', 'uploaded_by', name=op.f('pk_photo_partial'))
    )
    with op.batch_alter_table('photo_partial', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_partial_updated_at'), ['updated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_photo_partial_uploaded_by'), ['uploaded_by'], unique=False)
    op.execute(
        "INSERT INTO photo_upload (sha256, uploaded_by, branch_id, size, received_at)"
        " SELECT p.sha256, p.uploaded_by, s.branch_id, p.size, p.received_at"
        " FROM photo p JOIN staff s ON s.id = p.uploaded_by WHERE s.branch_id IS NOT NULL"
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_as', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('resolved_as', sa.String(length=32), nullable=True))
    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_as', sa.String(length=32), nullable=True))
    with op.batch_alter_table('roster_shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('written_as', sa.String(length=32), nullable=True))
    _backfill_roles()
    _republish_staff()
    _republish_text()


def _republish_staff():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT record_id, audience, data, changed_at FROM sync_change"
        " WHERE entity = 'staff' AND op = 'put' AND audience LIKE '%/staff'"
    )).all()
    if not rows:
        return
    seq = conn.execute(sa.text("SELECT seq FROM sync_counter WHERE id = 1")).scalar() or 0
    insert = sa.text(
        "INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at)"
        " VALUES (:seq, 'staff', :record_id, :audience, 'put', :data, :changed_at)"
    )
    for record_id, audience, data, changed_at in rows:
        branch = audience[: -len("/staff")]
        full = json.loads(data)
        public = {k: v for k, v in full.items() if k != "employee_no"}
        seq += 1
        conn.execute(sa.text("UPDATE sync_change SET data = :data, seq = :seq"
                             " WHERE entity = 'staff' AND record_id = :record_id AND audience = :audience"),
                     {"data": json.dumps(public, ensure_ascii=False, separators=(",", ":")), "seq": seq,
                      "record_id": record_id, "audience": audience})
        extra = {f"{branch}/staff.login": full}
        if full.get("role") in COLLEAGUE_ROLES:
            extra[f"{branch}/staff.{full['role']}"] = public
        if full.get("role") in OWN_READERS:
            extra[f"{branch}/staff/staff/{record_id}"] = public
        for key, value in extra.items():
            seq += 1
            conn.execute(insert, {"seq": seq, "record_id": record_id, "audience": key, "changed_at": changed_at,
                                  "data": json.dumps(value, ensure_ascii=False, separators=(",", ":"))})
    conn.execute(sa.text("UPDATE sync_counter SET seq = :seq WHERE id = 1"), {"seq": seq})


def _dumps(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cdr(role):
    return role is None or role in CUSTOMER_DATA_ROLES


#: entity -> (table, {role column: staff id column it is back-filled from}, text fields by data)
TEXT_ENTITIES = {
    "incident": ("incident", {"reported_as": "reported_by", "resolved_as": "resolved_by"},
                 lambda d, r: (["location", "description"] if _cdr(r["reported_as"]) else [])
                 + (["resolution"] if d.get("resolution") is not None and _cdr(r["resolved_as"]) else [])),
    "handover_item": ("handover_item", {"closed_as": "closed_by"},
                      lambda d, r: ["resolution"] if d.get("resolution") is not None and _cdr(r["closed_as"]) else []),
    "roster_shift": ("roster_shift", {"written_as": "created_by"},
                     lambda d, r: ["notes"] if d.get("notes") and _cdr(r["written_as"]) else []),
}


def _backfill_roles():
    for table, columns, _ in TEXT_ENTITIES.values():
        for role_column, staff_column in columns.items():
            op.execute(f"UPDATE {table} SET {role_column} = (SELECT role FROM staff WHERE staff.id = {table}.{staff_column})"
                       f" WHERE {staff_column} IS NOT NULL")


def _republish_text():
    """Each text entity's feed rows gain ``customer_text``; a branch audience gets a
    ``.plain`` twin without that text, a party's own audience (field roles) loses it."""
    conn = op.get_bind()
    seq = conn.execute(sa.text("SELECT seq FROM sync_counter WHERE id = 1")).scalar() or 0
    for entity, (table, columns, names_of) in TEXT_ENTITIES.items():
        rows = conn.execute(sa.text(
            "SELECT record_id, audience, data, changed_at FROM sync_change WHERE entity = :e AND op = 'put'"
        ), {"e": entity}).all()
        if not rows:
            continue
        t = sa.table(table, sa.column("id", sa.Uuid()), *(sa.column(c, sa.String()) for c in columns))
        roles = {str(r[0]): dict(zip(columns, r[1:])) for r in conn.execute(sa.select(t))}
        for record_id, audience, data, changed_at in rows:
            full = json.loads(data)
            names = names_of(full, roles.get(record_id, dict.fromkeys(columns)))
            full.update(customer_text=names, text_withheld=False)
            plain = {**full, **{n: None for n in names}, "text_withheld": True} if names else full
            own = "/staff/" in audience
            seq += 1
            conn.execute(sa.text("UPDATE sync_change SET data = :data, seq = :seq"
                                 " WHERE entity = :e AND record_id = :record_id AND audience = :audience"),
                         {"data": _dumps(plain if own else full), "seq": seq, "e": entity,
                          "record_id": record_id, "audience": audience})
            if not own:
                seq += 1
                conn.execute(sa.text(
                    "INSERT INTO sync_change (seq, entity, record_id, audience, op, data, changed_at)"
                    " VALUES (:seq, :e, :record_id, :audience, 'put', :data, :changed_at)"
                ), {"seq": seq, "e": entity, "record_id": record_id, "audience": audience + ".plain",
                    "data": _dumps(plain), "changed_at": changed_at})
    conn.execute(sa.text("UPDATE sync_counter SET seq = :seq WHERE id = 1"), {"seq": seq})


def downgrade():
    with op.batch_alter_table('sync_client', schema=None) as batch_op:
        for column in ('last_refused_at', 'refused_pushes', 'rejected_bytes', 'rejected_since'):
            batch_op.drop_column(column)
    with op.batch_alter_table('photo_partial', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_partial_uploaded_by'))
        batch_op.drop_index(batch_op.f('ix_photo_partial_updated_at'))
    op.drop_table('photo_partial')
    with op.batch_alter_table('photo_upload', schema=None) as batch_op:
        batch_op.drop_index('ix_photo_upload_sha256_branch')
    op.drop_table('photo_upload')
    conn = op.get_bind()
    for record_id, audience, data in conn.execute(sa.text(
        "SELECT record_id, audience, data FROM sync_change WHERE entity = 'staff' AND audience LIKE '%/staff.login'"
    )).all():
        conn.execute(sa.text("UPDATE sync_change SET data = :data"
                             " WHERE entity = 'staff' AND record_id = :record_id AND audience = :audience"),
                     {"data": data, "record_id": record_id, "audience": audience[: -len(".login")]})
    conn.execute(sa.text("DELETE FROM sync_change WHERE entity = 'staff'"
                         " AND (audience LIKE '%/staff.%' OR audience LIKE '%/staff/staff/%')"))
    for entity in TEXT_ENTITIES:  # the twins go; the rows left keep their (extra) fields
        conn.execute(sa.text("DELETE FROM sync_change WHERE entity = :e AND audience LIKE '%.plain'"), {"e": entity})
    with op.batch_alter_table('roster_shift', schema=None) as batch_op:
        batch_op.drop_column('written_as')
    with op.batch_alter_table('handover_item', schema=None) as batch_op:
        batch_op.drop_column('closed_as')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_column('resolved_as')
        batch_op.drop_column('reported_as')
    with op.batch_alter_table('device_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_session_device_key_hash'))
        batch_op.drop_column('device_key_hash')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_column('source')
