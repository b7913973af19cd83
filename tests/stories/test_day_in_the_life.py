"""A day in the life of the demo branch (issue #4, "Done when"), every action pushed from
an offline batch: two guards hand over at 14:00 (R-SEC-2), patrol every hour (R-SEC-5),
one reports an ATM fault whose photo arrives an hour after the record (R-SEC-4), a
cleaner records three rounds (R-SEC-6), a contractor with an expired badge is refused
(R-SEC-8) — and the supervisors see all of it, judged by when it happened."""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from tests.support.pushpull import mutation, pull, push

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 29, tzinfo=SHANGHAI)  # the day after the demo was seeded
ALL_OK = {"atm": "ok", "skimming": "ok", "lights": "ok", "doors": "ok", "cleanliness": "ok", "loitering": "ok"}


def local(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


def new_id() -> str:
    return str(uuid.uuid4())


def patrol(code: str, hour: int, **overrides: object) -> dict:
    args = {"patrol_id": new_id(), "checkpoint_code": code, "checks": dict(ALL_OK), **overrides}
    return mutation("patrol.record", args, local(hour, 5))


def statuses(results: list[dict]) -> list[str]:
    return [r["status"] for r in results]


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


def test_a_day_in_the_life_all_from_offline_batches(app, demo, as_role, clock):
    code = demo["checkpoints"]["self_service"]
    branch = demo["branch_id"]
    clock.set(local(7, 45))
    g1, g2 = as_role("guard"), as_role("guard", index=1)
    cleaner, om = as_role("cleaner"), as_role("operations_manager")
    s1, s2, sc = new_id(), new_id(), new_id()
    photo = jpeg()
    sha = hashlib.sha256(photo).hexdigest()
    atm_incident, handover, item = new_id(), new_id(), new_id()

    # Guard 1, offline in the vestibule 08:00-11:10; the phone finds signal at 11:15.
    morning = [mutation("shift.start", {"shift_id": s1, "post": "security"}, local(8))]
    morning += [patrol(code, h) for h in (8, 9, 10)]
    morning.append(patrol(code, 11, checks={**ALL_OK, "atm": "fault"}, anomaly="2号ATM插卡口松动 ATM 2 card slot loose"))
    morning.append(mutation("incident.report", {
        "incident_id": atm_incident, "category": "equipment", "location": "自助服务区 ATM 2",
        "description": "Card slot loose, taped off; photo taken.", "severity": "high", "photos": [sha],
    }, local(11, 6)))
    clock.set(local(11, 15))
    assert statuses(push(g1, morning)) == ["applied"] * len(morning)

    # The photo is uploaded an hour after the record, on the branch Wi-Fi.
    incidents = om.get(f"/api/branches/{branch}/incidents?status=open").get_json()["items"]
    reported = next(i for i in incidents if i["id"] == atm_incident)
    assert reported["photos"] == [{"sha256": sha, "status": "missing"}]
    assert len(incidents) == 2  # the guard's report and the one the faulty patrol raised
    clock.set(local(12, 6))
    assert g1.put(f"/api/photos/{sha}", data=photo, content_type="image/jpeg").status_code == 201

    # Guard 1 offline again until the handover; guard 2 takes over on their own phone.
    afternoon = [patrol(code, h) for h in (12, 13)]
    afternoon.append(mutation("shift.handover", {
        "handover_id": handover, "shift_id": s1, "to_staff_id": g2.staff["id"],
        "open_items": [{"item_id": item, "text": "ATM 2 taped off; technician due 15:00"}], "notes": "Quiet morning.",
    }, local(14)))
    afternoon.append(mutation("shift.end", {"shift_id": s1}, local(14, 1)))
    clock.set(local(14, 20))
    assert statuses(push(g1, afternoon)) == ["applied"] * len(afternoon)

    late = [mutation("shift.start", {"shift_id": s2, "post": "security"}, local(14))]
    late.append(mutation("shift.handover.accept", {"handover_id": handover}, local(14, 2)))
    late += [patrol(code, h) for h in (14, 15, 16)]
    late.append(mutation("contractor.check_in", {"visit_id": new_id(), "badge_no": demo["badges"]["expired"]}, local(15, 30)))
    # The cleaner's day, one batch at the end of the shift.
    cleaning = [mutation("shift.start", {"shift_id": sc, "post": "cleaning"}, local(9))]
    cleaning += [
        mutation("cleaning.record", {"cleaning_id": new_id(), "area": area, "task": "mop"}, local(h, 30))
        for h, area in ((9, "lobby"), (12, "self_service"), (15, "lobby"))
    ]
    cleaning.append(mutation("shift.end", {"shift_id": sc}, local(16)))
    clock.set(local(16, 30))
    late_results = push(g2, late)
    assert statuses(late_results) == ["applied"] * 5 + ["rejected"]
    assert late_results[-1]["error"]["code"] == "badge_expired"
    assert statuses(push(cleaner, cleaning)) == ["applied"] * 5

    # R-SEC-5: every guarded hour 08-16 was met, judged by when the patrol happened;
    # the morning's hours reached the server after their deadline.
    hours = om.get(f"/api/branches/{branch}/patrols?date=2026-11-29").get_json()["hours"]
    by_hour = {h["hour"][:2]: h["status"] for h in hours}
    assert by_hour["08"] == by_hour["09"] == by_hour["10"] == "met_synced_late"
    assert all(by_hour[f"{h:02d}"] in {"met", "met_synced_late"} for h in range(8, 17)), by_hour
    assert by_hour["07"] in {"missed", "unconfirmed"}  # nobody was on duty then
    assert by_hour["17"] == "pending"

    # R-SEC-4: the photo is now there, on the supervisor's pull too.
    held = pull(om)
    assert held[("incident", atm_incident)]["photos"] == [{"sha256": sha, "status": "received"}]
    # R-SEC-2: the handover was accepted by guard 2, who now holds the open item.
    assert held[("handover", handover)]["status"] == "accepted"
    assert held[("handover_item", item)]["holder_staff_id"] == g2.staff["id"]
    kinds = [entity for entity, _ in held]
    assert kinds.count("patrol") == 9 and kinds.count("cleaning") == 3 and kinds.count("shift") == 3
    # R-SEC-8: the refusal is kept with its error for the supervisors.
    rejected = om.get(f"/api/branches/{branch}/rejected-mutations").get_json()
    refused = [m for m in rejected["items"] if m["name"] == "contractor.check_in"]
    assert len(refused) == 1 and refused[0]["error"]["code"] == "badge_expired"
    # R-SEC-10: the cleaner's phone holds no patrols or incidents; guard 2's holds no cleaning.
    assert not {e for e, _ in pull(cleaner)} & {"patrol", "incident"}
    assert "cleaning" not in {e for e, _ in pull(g2)}
