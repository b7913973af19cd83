"""A photo belongs to the branch and uploader that uploaded it; what is stored is image
data only; unfinished uploads are bounded and expire (R-SEC-4, R-SEC-10, #12)."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from server.extensions import db
from server.services.demo import seed_demo
from tests.conftest import DEMO_PASSWORD, RoleClient, login
from tests.support.helpers import make_image, sha
from tests.support.pushpull import push as push_mutations, push_one, visible
from tests.server.sync_handlers.test_incident import report_args


@pytest.fixture
def second(app, client, demo):
    """``second("G1")``: a member of a second demo branch, DEMO02."""
    with app.app_context():
        seed_demo(DEMO_PASSWORD, app.extensions["clock"].now(), code="DEMO02")

    def make(suffix: str) -> RoleClient:
        body = login(client, f"DEMO02-{suffix}")
        return RoleClient(client, body["token"], body["staff"])

    return make


def _put(rc, data, **kw):
    return rc.put(f"/api/photos/{sha(data)}", data=data, content_type="image/jpeg", **kw)


def test_r_sec_10_another_branchs_digest_gets_nobody_its_bytes(as_role, demo, second):
    data = make_image(seed=21)
    digest = sha(data)
    assert _put(as_role("guard"), data).status_code == 201
    thief, their_manager = second("G1"), second("LM1")
    # Naming a digest only another branch uploaded is refused (#12 item 2), the whole report.
    stolen = report_args(photos=[digest])
    res = push_one(thief, "incident.report", stolen)
    assert res["status"] == "rejected" and res["error"]["code"] == "photo_not_yours", res
    assert res["error"]["rule"] == "R-SEC-10" and "photos" in res["error"]["errors"]
    assert stolen["incident_id"] not in visible(their_manager, "incident")
    for who in (thief, their_manager):
        assert who.get(f"/api/photos/{digest}").status_code == 404
    # HEAD tells nobody but the uploader that the photo exists: the same as an unknown digest.
    unknown = thief.head(f"/api/photos/{'e' * 64}")
    for who in (thief, as_role("guard", index=1)):
        head = who.head(f"/api/photos/{digest}")
        assert (head.status_code, head.headers["Upload-Offset"], head.headers["Upload-Complete"]) == (
            unknown.status_code, unknown.headers["Upload-Offset"], unknown.headers["Upload-Complete"]) == (404, "0", "?0")
    # A DEMO02 member who really holds the bytes uploads them: now it is theirs too.
    assert _put(thief, data).status_code == 201
    incident = report_args(photos=[digest])
    assert push_one(thief, "incident.report", incident)["status"] == "applied"
    assert visible(their_manager, "incident")[incident["incident_id"]]["photos"][0]["status"] == "received"
    assert their_manager.get(f"/api/photos/{digest}").status_code == 200
    assert as_role("lobby_manager").get(f"/api/photos/{digest}").status_code == 404  # no DEMO01 incident names it


def test_r_sec_10_a_photo_of_the_own_branch_or_nobodys_is_accepted(as_role, demo, push):
    """Another uploader of the same branch is the branch's photo; a digest nobody uploaded
    yet stays ``missing`` (the PWA uploads after the data) and turns ``received`` with the
    pusher's own upload — in one push's batch too (``prefetch_reports``)."""
    mine, later = make_image(seed=23), make_image(seed=24)
    assert _put(as_role("guard", index=1), mine).status_code == 201
    guard, manager = as_role("guard"), as_role("lobby_manager")
    first, second_report = report_args(photos=[sha(mine), sha(later)]), report_args(photos=[sha(later)])
    results = push(guard, [("incident.report", first), ("incident.report", second_report)])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert [p["status"] for p in visible(manager, "incident")[first["incident_id"]]["photos"]] == ["received", "missing"]
    assert _put(guard, later).status_code == 201
    seen = visible(manager, "incident")
    assert seen[first["incident_id"]]["photos"][1]["status"] == seen[second_report["incident_id"]]["photos"][0]["status"] == "received"


def test_r_sec_10_a_batch_refuses_only_the_report_naming_a_foreign_photo(as_role, demo, second, push):
    data = make_image(seed=25)
    assert _put(as_role("guard"), data).status_code == 201
    thief = second("G1")
    results = push(thief, [("incident.report", report_args()), ("incident.report", report_args(photos=[sha(data)])),
                           ("incident.report", report_args(photos=["f" * 64]))])
    assert [(r["status"], (r.get("error") or {}).get("code")) for r in results] == [
        ("applied", None), ("rejected", "photo_not_yours"), ("applied", None)]


def test_r_sec_10_an_upload_completes_only_its_own_branchs_references(as_role, demo, second):
    data = make_image(seed=22)
    theirs = report_args(photos=[sha(data)])
    push_one(second("G1"), "incident.report", theirs)
    assert _put(as_role("guard"), data).status_code == 201  # DEMO01 uploads the same bytes
    assert visible(second("LM1"), "incident")[theirs["incident_id"]]["photos"][0]["status"] == "missing"


def test_r_sec_10_partial_uploads_are_the_uploaders_own(as_role, demo):
    data = make_image("PNG", size=(300, 300), seed=3)
    url, half = f"/api/photos/{sha(data)}", len(data) // 2
    g1, g2 = as_role("guard"), as_role("guard", index=1)
    first = g1.put(url, data=data[:half], headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"})
    assert first.status_code == 202
    assert g2.head(url).headers["Upload-Offset"] == "0"
    # The second uploader's chunks go to their own partial upload, never extend the first's.
    gap = g2.put(url, data=data[half:], headers={"Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"})
    assert gap.status_code == 409 and gap.get_json()["received"] == 0
    assert g1.head(url).headers["Upload-Offset"] == str(half)


def test_photos_are_served_as_image_data_only(as_role, demo):
    """#12: a JPEG with HTML appended is stored as the image alone, served with nosniff."""
    html = b"<html><script>alert(document.cookie)</script></html>"
    data = make_image(seed=5) + html
    guard = as_role("guard")
    assert _put(guard, data).status_code == 201
    got = guard.get(f"/api/photos/{sha(data)}")
    assert got.status_code == 200 and got.mimetype == "image/jpeg"
    assert b"<script" not in got.data and got.data.endswith(b"\xff\xd9")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == f'attachment; filename="{sha(data)}.jpeg"'
    assert "sandbox" in got.headers["Content-Security-Policy"]
    with Image.open(io.BytesIO(got.data)) as img, Image.open(io.BytesIO(data)) as sent:
        assert img.size == sent.size and img.format == "JPEG"


def test_photo_metadata_is_not_stored(as_role, demo):
    img = Image.new("RGB", (40, 30), (10, 200, 30))
    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "客户 13800138000"  # ImageDescription
    img.save(buf, format="JPEG", exif=exif.tobytes(), comment=b"<b>comment</b>")
    data = buf.getvalue()
    guard = as_role("guard")
    assert _put(guard, data).status_code == 201
    stored = guard.get(f"/api/photos/{sha(data)}").data
    assert "13800138000".encode() not in stored and b"<b>" not in stored


class TestPartialBound:
    @pytest.fixture
    def app_overrides(self):
        return {"photo_partial_max_per_uploader": 2, "photo_partial_ttl_hours": 24}

    def _start(self, rc, seed):
        data = make_image("PNG", size=(200, 200), seed=seed)
        half = len(data) // 2
        return rc.put(f"/api/photos/{sha(data)}", data=data[:half],
                      headers={"Content-Range": f"bytes 0-{half - 1}/{len(data)}"}), data

    def test_unfinished_uploads_are_bounded_per_uploader(self, as_role, demo):
        guard = as_role("guard")
        assert self._start(guard, 1)[0].status_code == 202
        assert self._start(guard, 2)[0].status_code == 202
        refused, data = self._start(guard, 3)
        assert refused.status_code == 429 and refused.get_json()["code"] == "too_many_partial_uploads"
        assert refused.mimetype == "application/problem+json"
        assert self._start(as_role("guard", index=1), 3)[0].status_code == 202  # per uploader
        assert _put(guard, data).status_code == 201  # a whole photo needs no partial

    def test_unfinished_uploads_expire_by_job_and_cli(self, app, as_role, demo, clock, runner):
        from server.jobs import all_jobs
        from server.models.photo import PhotoPartial

        guard = as_role("guard")
        first, data = self._start(guard, 4)
        url = f"/api/photos/{sha(data)}"
        clock.advance(hours=23)
        self._start(guard, 5)
        clock.advance(hours=2)  # the first is 25 hours idle, the second 2
        job = next(j for j in all_jobs() if j.id == "photo.expire_partials")
        with app.app_context():
            assert job.fn(clock.now()) == 1
            assert job.fn(clock.now()) == 0
            assert db.session.query(PhotoPartial).count() == 1
        assert guard.head(url).headers["Upload-Offset"] == "0"  # its bytes are gone too
        clock.advance(hours=23)
        result = runner.invoke(args=["photo", "expire-partials"])
        assert result.exit_code == 0 and '"expired": 1' in result.output
        assert self._start(guard, 6)[0].status_code == 202


def test_r_sec_10_another_branchs_box_photo_is_refused_and_never_served(as_role, demo, second):
    """The suggestion box's photo (R-BOX-1) is the branch's too: ``box.open`` naming a
    digest only another branch uploaded is refused, and naming one gets nobody its bytes."""
    from tests.server.services import lobby_support
    data = make_image(seed=26)
    assert _put(as_role("lobby_manager"), data).status_code == 201
    thief = second("LM1")
    opened = lobby_support.box_open(lobby_support.new_id(), lobby_support.sh(17, 40), photo=sha(data))
    [res] = push_mutations(thief, [opened])
    assert res["status"] == "rejected" and res["error"]["code"] == "photo_not_yours", res
    assert thief.get(f"/api/photos/{sha(data)}").status_code == 404
    # A photo nobody uploaded yet is accepted (uploaded after the data), and served only once theirs.
    mine = make_image(seed=27)
    later = lobby_support.box_open(lobby_support.new_id(), lobby_support.sh(17, 40), photo=sha(mine))
    assert push_mutations(thief, [later])[0]["status"] == "applied"
    assert thief.get(f"/api/photos/{sha(mine)}").status_code == 404
    assert _put(thief, mine).status_code == 201
    assert second("SQ1").get(f"/api/photos/{sha(mine)}").status_code == 200
