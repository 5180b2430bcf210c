def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_ticket_create_and_read(client, world):
    r = client.post("/api/v1/tickets", json={"subject": "快递三天没动"}, headers=world.headers())
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["number"] == 1 and t["status"] == "open"  # the agent who opens it owns it
    r = client.get(f"/api/v1/tickets/{t['id']}", headers=world.headers())
    assert r.status_code == 200
    assert r.json()["subject"] == "快递三天没动"
