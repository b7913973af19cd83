"""Property: offline devices that push, resend and pull at random converge, exactly once (#3).

A :class:`RuleBasedStateMachine` plays eight installs: five staff of one branch (two
guards, a cleaner, a teller, a lobby manager; the first guard on two phones) and two of
another branch. Each goes offline and online, records mutations into its outbox, pushes
prefixes of it (sometimes losing the answer, sometimes sending the same batch twice) and
pulls pages of random size from its cursor. The machine keeps a model of the server (the
notes, who sent what, each mutation's expected outcome) and checks after every step:

* every result is the model's outcome; a resent id repeats it with ``duplicate: true``;
* every put in a pull is the record's current state and in the puller's scope (its own
  branch, a tag its role may read: guards and cleaners never get ``customer`` notes;
  cleaners and tellers never get the domain's ``incident`` records);
  every delete names a record of its branch; the cursor never goes back and moves on
  whenever changes come;
* a device that has pulled every page holds exactly the model's view of its scope.

At the end of each run every outbox is pushed and every device synced: its copy equals a
fresh full pull of the same staff member and the model; the mutation log holds each id
once with the model's outcome, and the note texts (``note.append`` adds a token per
apply) show nothing was applied twice.
"""
from __future__ import annotations

import json
import os
import uuid
from datetime import timedelta
from typing import Any
from unittest.mock import ANY

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from proof_support import Wire, apply_page, full_pull, install_append, make_branch, note_rows, pull_body, push_body
from sync_testing import readable_tags

from server.extensions import db
from server.models.org import Staff
from server.rules import permissions as P
from server.sync_setup import record_put
from sync import feed

SETTINGS = settings(
    max_examples=int(os.environ.get("FIELDOPS_PROOF_EXAMPLES", "10")),
    stateful_step_count=int(os.environ.get("FIELDOPS_PROOF_STEPS", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
HOME = ["guard", "guard", "cleaner", "teller", "lobby_manager", "relationship_manager"]
AWAY = ["guard", "lobby_manager", "relationship_manager"]  # the last of each: no phone, an HR record
TAG_SETS = (("public",), ("customer",), ("customer", "public"))
FLIPPER = 1  # the second guard's role flips guard <-> teller: its scope changes (reset)


class Phone:
    """One install: a client id, an outbox, a cursor and the local copy."""

    def __init__(self, account: Any, wire: Wire) -> None:
        self.account, self.wire = account, wire
        self.client_id = uuid.uuid4()
        self.next_id = 1
        self.outbox: list[dict[str, Any]] = []
        self.online = True
        self.cursor: str | None = None
        self.seq = 0
        self.cursor_role: str | None = None  # the role the cursor was issued under
        self.copy: dict[tuple[str, str], Any] = {}
        self.mine: list[str] = []  # ids of notes this phone created


class OfflineDevices(RuleBasedStateMachine):
    """Eight phones of two fresh branches against one app; the model of the server beside them."""

    def __init__(self, app: Any, clock: Any) -> None:
        super().__init__()
        self.app, self.clock = app, clock
        self.engine = app.extensions["sync_engine"]
        http = app.test_client()
        self.home, home = make_branch(app, HOME, clock.now())
        self.away, away = make_branch(app, AWAY, clock.now())
        self.phones = [Phone(a, Wire(a.token, client=http)) for a in home[:-1] + [home[0]] + away[:-1]]
        self.role = {a.staff_id: a.role for a in home + away}
        self.hr = [home[-1], away[-1]]  # staff records that HR edits while phones sync
        # What the domain published when the branches were made (the branch record, ...),
        # per branch and role: a snapshot by a new install of someone with that role.
        self.baseline = {
            (a.branch_id, a.role): {k: v for k, v in full_pull(Wire(a.token, client=http), uuid.uuid4()).items()
                                    if k[0] != "note"}
            for a in home[:-1] + away[:-1]
        }
        self.staff: dict[str, tuple[uuid.UUID, dict[str, Any] | None]] = {}  # published: id -> branch, data
        self.flipper = home[FLIPPER]
        self.notes: dict[str, dict[str, Any]] = {}  # the model: note id -> branch, text, tags
        self.branches: dict[str, uuid.UUID] = {}  # every note id ever made -> its branch
        self.applied_upto: dict[uuid.UUID, int] = {}
        self.outcomes: dict[tuple[uuid.UUID, int], dict[str, Any]] = {}
        self.incidents: dict[str, uuid.UUID] = {}  # incident id -> branch
        self.tokens = 0

    # --- recording offline ---------------------------------------------------------------

    def _record(self, phone: Phone, name: str, args: dict[str, Any]) -> None:
        phone.outbox.append({"id": phone.next_id, "name": name, "at": self.clock.now().isoformat(), "args": args})
        phone.next_id += 1

    def _token(self) -> str:
        self.tokens += 1
        return f"t{self.tokens}"

    def _known(self, phone: Phone, pick: int) -> str | None:
        known = sorted(set(phone.mine) | {k[1] for k in phone.copy if k[0] == "note"})
        return known[pick % len(known)] if known else None

    @rule(i=st.integers(0, 7), tags=st.sampled_from(TAG_SETS), reject=st.booleans())
    def record_put(self, i: int, tags: tuple[str, ...], reject: bool) -> None:
        phone, note_id = self.phones[i], str(uuid.uuid4())
        phone.mine.append(note_id)
        self._record(phone, "note.put", {"note_id": note_id, "text": "reject" if reject else self._token(),
                                         "tags": list(tags)})

    @rule(i=st.integers(0, 7), pick=st.integers(0, 50))
    def record_append(self, i: int, pick: int) -> None:
        phone = self.phones[i]
        note_id = self._known(phone, pick)
        if note_id is not None:
            self._record(phone, "note.append", {"note_id": note_id, "token": self._token()})

    @rule(i=st.integers(0, 7), pick=st.integers(0, 50))
    def record_delete(self, i: int, pick: int) -> None:
        phone = self.phones[i]
        note_id = self._known(phone, pick)
        if note_id is not None:
            self._record(phone, "note.delete", {"note_id": note_id})

    @rule(i=st.integers(0, 7))
    def record_secret(self, i: int) -> None:
        """Only lobby managers may; everyone else's is rejected ``forbidden``."""
        phone, note_id = self.phones[i], str(uuid.uuid4())
        phone.mine.append(note_id)
        self._record(phone, "note.secret", {"note_id": note_id, "text": self._token()})

    @rule(i=st.integers(0, 7))
    def record_incident(self, i: int) -> None:
        """A real mutator of the domain: guards and supervisors may; cleaners and tellers not."""
        phone, incident_id = self.phones[i], str(uuid.uuid4())
        self._record(phone, "incident.report", {"incident_id": incident_id, "category": "equipment",
                                                 "location": "ATM 1", "description": self._token(), "severity": "low"})

    @rule(i=st.integers(0, 7))
    def toggle_network(self, i: int) -> None:
        self.phones[i].online = not self.phones[i].online

    @rule(minutes=st.integers(1, 90))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def flip_role(self) -> None:
        """The second guard is made a teller (or back): its scope changes, its next pull resets."""
        new = "teller" if self.role[self.flipper.staff_id] == "guard" else "guard"
        with self.app.app_context():
            db.session.get(Staff, self.flipper.staff_id).role = new
            db.session.commit()
        self.role[self.flipper.staff_id] = new

    @rule(j=st.integers(0, 1), active=st.booleans())
    def hr_edits_staff(self, j: int, active: bool) -> None:
        """A service publishes a staff record; a deactivated one leaves every scope (a delete)."""
        account = self.hr[j]
        with self.app.app_context():
            staff = db.session.get(Staff, account.staff_id)
            staff.active = active
            record_put("staff", staff)
            data = json.loads(feed.dumps(self.engine.registry.get_entity("staff").serialize(staff)))
            db.session.commit()
        self.staff[str(account.staff_id)] = (account.branch_id, data if active else None)

    # --- pushing -------------------------------------------------------------------------

    def _expect(self, phone: Phone, mutation: dict[str, Any]) -> dict[str, Any]:
        """Apply ``mutation`` to the model; return the result the server must answer."""
        name, args = mutation["name"], mutation["args"]
        branch, role = phone.account.branch_id, self.role[phone.account.staff_id]
        if name == "incident.report":
            if role not in P.roles_for(name):
                return {"id": mutation["id"], "error": "forbidden"}
            self.incidents[args["incident_id"]] = branch
            return {"id": mutation["id"], "status": "applied"}
        note_id = args["note_id"]
        error = None
        if name == "note.put" and args["text"] == "reject":
            error = "note_rejected"
        elif name == "note.put":
            self.notes[note_id] = {"branch": branch, "text": args["text"], "tags": sorted(args["tags"])}
        elif name == "note.secret" and role != "lobby_manager":
            error = "forbidden"
        elif name == "note.secret":
            self.notes[note_id] = {"branch": branch, "text": args["text"], "tags": ["customer"]}
        elif note_id not in self.notes or (name == "note.append" and self.notes[note_id]["branch"] != branch):
            error = "not_found"
        elif name == "note.append":
            self.notes[note_id]["text"] += " " + args["token"]
        else:
            del self.notes[note_id]
        if note_id in self.notes:
            self.branches[note_id] = self.notes[note_id]["branch"]
        return {"id": mutation["id"], "status": "applied"} if error is None else {"id": mutation["id"], "error": error}

    def _check_results(self, phone: Phone, batch: list[dict[str, Any]], body: dict[str, Any]) -> None:
        assert [r["id"] for r in body["results"]] == [m["id"] for m in batch]  # one each, in order
        done = self.applied_upto.get(phone.client_id, 0)
        for mutation, result in zip(batch, body["results"]):
            key = (phone.client_id, mutation["id"])
            if mutation["id"] <= done:
                assert result == {**self.outcomes[key], "duplicate": True}, (mutation, result)
                continue
            expected = self._expect(phone, mutation)
            assert result["id"] == expected["id"] and "duplicate" not in result, (mutation, result)
            if "error" in expected:
                assert result["status"] == "rejected" and result["error"]["code"] == expected["error"], result
            else:
                assert result == expected, (mutation, result)
            self.outcomes[key] = result
        self.applied_upto[phone.client_id] = max(done, batch[-1]["id"])
        assert body["last_mutation_id"] == self.applied_upto[phone.client_id]

    def _send(self, phone: Phone, batch: list[dict[str, Any]]) -> dict[str, Any]:
        status, body = phone.wire.post("/api/sync/push", push_body(phone.client_id, batch, self.clock.now()))
        assert status == 200, body
        self._check_results(phone, batch, body)
        return body

    @rule(i=st.integers(0, 7), size=st.integers(1, 6), lose=st.booleans(), twice=st.booleans())
    def push(self, i: int, size: int, lose: bool, twice: bool) -> None:
        """Push a prefix of the outbox; the answer may be lost (the batch stays queued),
        or the same batch may go out twice (the second is all duplicates)."""
        phone = self.phones[i]
        if not phone.online or not phone.outbox:
            return
        batch = phone.outbox[:size]
        body = self._send(phone, batch)
        if twice:
            again = self._send(phone, batch)
            assert all(r.get("duplicate") for r in again["results"])
        if not lose:
            phone.outbox = [m for m in phone.outbox if m["id"] > body["last_mutation_id"]]

    # --- pulling -------------------------------------------------------------------------

    def _view(self, phone: Phone) -> dict[tuple[str, str], Any]:
        """The model's answer to "what may this phone hold now"."""
        tags = set(readable_tags(self.role[phone.account.staff_id]))
        branch = phone.account.branch_id
        view: dict[tuple[str, str], Any] = dict(self.baseline[(branch, self.role[phone.account.staff_id])])
        view |= {
            ("note", note_id): {"id": note_id, "text": n["text"], "tags": n["tags"]}
            for note_id, n in self.notes.items()
            if n["branch"] == branch and tags & set(n["tags"])
        }
        role = self.role[phone.account.staff_id]
        colleagues = P.STAFF_COLLEAGUES.get(role)  # field roles: only the people they work with (#12)
        hr_roles = {str(a.staff_id): self.role[a.staff_id] for a in self.hr}
        view.update({
            ("staff", sid): data if role in P.LOGIN_NAME_READERS else {k: v for k, v in data.items() if k != "employee_no"}
            for sid, (b, data) in self.staff.items()
            if b == branch and data and (colleagues is None or hr_roles[sid] in colleagues)
        })
        if "incident" in P.readable_entities(self.role[phone.account.staff_id]):  # its data: the server's
            view.update({("incident", iid): ANY for iid, b in self.incidents.items() if b == branch})
        return view

    def _check_scope(self, phone: Phone, page: dict[str, Any]) -> None:
        branch, view = phone.account.branch_id, self._view(phone)
        for change in page["changes"]:
            key = (change["entity"], change["id"])
            if change["op"] == "put":
                assert view.get(key) == change["data"], ("out of scope or stale", change, view.get(key))
                assert str(change["data"].get("branch_id", branch)) == str(branch), ("another branch's", change)
                assert change["entity"] != "branch" or change["id"] == str(branch), ("another branch", change)
            elif change["entity"] == "note":
                assert self.branches.get(change["id"]) == branch, ("tombstone of another branch", change)
            elif change["entity"] == "incident":
                raise AssertionError(f"incidents are never deleted here: {change}")
            else:
                assert self.staff[change["id"]][0] == branch, ("tombstone of another branch", change)

    @rule(i=st.integers(0, 7), limit=st.sampled_from([1, 2, 5, 500]))
    def pull(self, i: int, limit: int) -> None:
        """One page from the phone's cursor."""
        if self.phones[i].online:
            self._pull_page(self.phones[i], limit)

    def _pull_page(self, phone: Phone, limit: int) -> dict[str, Any]:
        role = self.role[phone.account.staff_id]
        status, page = phone.wire.post("/api/sync/pull", pull_body(phone.client_id, phone.cursor, limit))
        assert status == 200, page
        assert page["reset"] == (phone.cursor is None or phone.cursor_role != role), "reset iff first or new scope"
        self._check_scope(phone, page)
        seq = self.engine.cursors.decode(page["cursor"]).seq
        if not page["reset"]:
            assert seq >= phone.seq, "the cursor went back"
            assert seq > phone.seq or not page["changes"], "changes came but the cursor did not move"
        apply_page(phone.copy, page)
        phone.cursor, phone.seq, phone.cursor_role = page["cursor"], seq, role
        assert page["last_mutation_id"] == self.applied_upto.get(phone.client_id, 0)
        phone.outbox = [m for m in phone.outbox if m["id"] > page["last_mutation_id"]]
        if not page["has_more"]:
            assert phone.copy == self._view(phone), "a complete pull does not hold the scope"
        return page

    @invariant()
    def outboxes_are_contiguous(self) -> None:
        for phone in self.phones:
            ids = [m["id"] for m in phone.outbox]
            assert ids == list(range(phone.next_id - len(ids), phone.next_id))

    # --- the end of a run ------------------------------------------------------------------

    def teardown(self) -> None:
        for i, phone in enumerate(self.phones):
            phone.online = True
            while phone.outbox:
                self.push(i, 50, False, False)
        for phone in self.phones:
            while self._pull_page(phone, 50)["has_more"]:
                pass
            fresh = full_pull(phone.wire, uuid.uuid4(), limit=4)  # a new install of the same staff member
            assert phone.copy == fresh == self._view(phone)
        self._check_exactly_once()

    def _check_exactly_once(self) -> None:
        with self.app.app_context():
            for phone in {p.client_id: p for p in self.phones}.values():
                log = self.engine.list_mutations(db.session, client_id=phone.client_id, limit=10_000)
                assert sorted(e["id"] for e in log) == list(range(1, phone.next_id))
                for entry in log:
                    assert entry["status"] == ("applied" if "error" not in self.outcomes[(phone.client_id, entry["id"])]
                                               else "rejected")
        rows = note_rows(self.app)
        ours = {nid: rows.get(nid) for nid in self.branches}
        assert {nid: (r["text"], sorted(r["tags"])) for nid, r in ours.items() if r} == {
            nid: (n["text"], n["tags"]) for nid, n in self.notes.items()
        }


def test_offline_devices_converge_exactly_once_within_scope(notes, clock):
    install_append(notes)
    run_state_machine_as_test(lambda: OfflineDevices(notes, clock), settings=SETTINGS)
