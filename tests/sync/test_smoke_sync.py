def test_push_then_pull(device):
    guard = device("guard")
    body = guard.push(guard.note("first"))
    assert body["results"] == [{"id": 1, "status": "applied"}]
    assert body["last_mutation_id"] == 1
    page = guard.pull(cursor=None)
    assert page["reset"] is True
    assert [n["text"] for n in guard.notes().values()] == ["first"]
