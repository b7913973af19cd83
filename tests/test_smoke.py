def test_healthz_answers_ok_on_each_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "ok"


def test_demo_guard_logs_in(as_role):
    guard = as_role("guard")
    assert guard.staff["role"] == "guard"
