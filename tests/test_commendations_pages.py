"""The commendation's pages and API as the council, the staff, a unit and a visitor use them: a campaign from its
creation to the honour roll on the pages; the same through the API, with its bad input told on the fields; who may
see what."""
from sqlalchemy import select

from app.ballots import services as ballots
from app.commendations import services as commendations
from app.core.extensions import db
from app.notifications.models import OutboxEvent
from tenants.context import tenant_context
from tests.factories import api, browser_for, member, page, token_for
from tests.pdfs import text_of
from tests.test_commendations import town  # noqa: F401 (the fixture)


def test_the_council_runs_a_campaign_on_the_pages_to_the_honour_roll(town, app, clock, client):  # noqa: F811
    c = town["community"]
    chair = browser_for(app, town["council"][0])
    assert chair.get(page(c, "/commendations/")).status_code == 200
    created = chair.post(page(c, "/commendations/new"), data={"year": "2026", "category": "热心公益单位",
                                                              "awards": "1", "max_choices": "1", "description": ""})
    assert created.status_code == 302 and "/weights" in created.headers["Location"]
    campaign_url = created.headers["Location"].rsplit("/weights", 1)[0]
    weights = chair.get(campaign_url + "/weights").get_data(as_text=True)
    assert "出借场地（小时）" in weights and "权重" in weights
    bad = chair.post(campaign_url + "/weights", data={"venue_hours": "-1", "awards": "1", "max_choices": "1"})
    assert bad.status_code == 422
    saved = chair.post(campaign_url + "/weights", data={"venue_hours": "1", "offers": "2", "awards": "1",
                                                        "max_choices": "1"})
    assert saved.status_code == 302
    assert chair.post(campaign_url + "/open").status_code == 302
    assert chair.post(campaign_url + "/score").status_code == 302
    shown = chair.get(campaign_url).get_data(as_text=True)
    assert "得分 = 2 × 发布服务项目 + 1 × 出借场地（小时）" in shown
    assert shown.index("京华物业食堂") < shown.index("柳荫小学")  # 8 before 6
    assert chair.get(campaign_url + "/nominate").status_code == 200
    for who, unit, citation in ((0, "canteen", "坚持助餐"), (1, "school", "出借礼堂")):
        browser = chair if who == 0 else browser_for(app, town["council"][1])
        response = browser.post(campaign_url + "/nominate", data={"unit_id": str(town[unit]), "citation": citation})
        assert response.status_code == 302, response.get_data(as_text=True)
    again = chair.post(campaign_url + "/nominate", data={"unit_id": str(town["school"]), "citation": "再推荐"})
    assert again.status_code == 422 and "该单位已被推荐。" in again.get_data(as_text=True)
    opened = chair.post(campaign_url + "/ballot", data={"days": "3", "quorum_pct": "50", "secret": "true"})
    assert opened.status_code == 302 and "/ballots/" in opened.headers["Location"]
    with tenant_context(c.id):
        campaign = commendations.get(int(campaign_url.rsplit("/", 1)[1]))
        ballot = ballots.get(campaign.ballot_id)
        keys = {n.unit_id: n.option_key for n in commendations.nominations(campaign)}
        assert ballot.secret and ballot.max_choices == 1
        for voter in (town["council"][0], town["council"][1], town["reps"][0]):
            ballots.vote(ballot, voter.id, [keys[town["school"]]])
        ballots.vote(ballot, town["reps"][1].id, [keys[town["canteen"]]])
        db.session.commit()
    clock(2026, 12, 4, 11)
    staff, chair = browser_for(app, town["staff"]), browser_for(app, town["council"][0])  # days later: log in again
    assert "公布结果" in staff.get(campaign_url).get_data(as_text=True)
    refused = chair.post(campaign_url + "/announce")
    assert refused.status_code == 403, refused.headers.get("Location")  # the staff announce
    assert staff.post(campaign_url + "/announce").status_code == 302
    results = staff.get(campaign_url).get_data(as_text=True)
    assert "获得表彰" in results and "证书（PDF）" in results
    roll = client.get(page(c, "/honours")).get_data(as_text=True)
    assert "热心公益单位" in roll and "柳荫小学" in roll and "出借礼堂" in roll and "京华物业食堂" not in roll
    with tenant_context(c.id):
        assert db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "commendation.results")).first()


def test_who_sees_what(town, app):  # noqa: F811
    c = town["community"]
    with tenant_context(c.id):
        campaign = commendations.create(year=2026, category="优秀会员单位", actor_id=town["staff"].id)
        db.session.commit()
        campaign_id = campaign.id
    resident = browser_for(app, town["resident"])
    assert resident.get(page(c, "/commendations/")).status_code == 403
    cook = browser_for(app, town["cook"])
    assert cook.get(page(c, "/commendations/")).status_code == 200  # their awards
    assert cook.get(page(c, f"/commendations/{campaign_id}")).status_code == 403
    rep = browser_for(app, town["reps"][0])
    assert rep.get(page(c, "/commendations/")).status_code == 403
    visitor = app.test_client()
    assert visitor.get(page(c, "/honours")).status_code == 200
    about = visitor.get(page(c, "/about")).get_data(as_text=True)
    assert "/honours" in about and "光荣榜" in about


def test_the_api_runs_a_campaign_and_tells_bad_input_on_its_fields(town, app, client, clock):  # noqa: F811
    c = town["community"]
    headers = token_for(client, town["staff"])
    made = [client.post(api(c, "/commendations"), json={"year": 2026, "category": name, "awards": 2},
                        headers=headers) for name in ("优秀会员单位", "热心公益单位")]
    assert [r.status_code for r in made] == [201, 201]
    campaign_id = made[0].get_json()["id"]
    assert made[0].get_json()["max_choices"] == 2 and made[0].get_json()["formula"].startswith("得分 = ")
    first = client.get(api(c, "/commendations?limit=1"), headers=headers).get_json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = client.get(api(c, f"/commendations?limit=1&cursor={first['next_cursor']}"), headers=headers).get_json()
    assert second["items"][0]["id"] == campaign_id and second["next_cursor"] is None
    duplicate = client.post(api(c, "/commendations"), json={"year": 2026, "category": "优秀会员单位"}, headers=headers)
    assert duplicate.status_code == 422 and "category" in duplicate.get_json()["error"]["fields"]
    base = api(c, f"/commendations/{campaign_id}")
    bad = client.put(base + "/weights", json={"weights": {"matches": -1, "luck": 1}}, headers=headers)
    assert bad.status_code == 422
    assert client.put(base + "/weights", json={"weights": {"venue_hours": 1, "offers": 2}},
                      headers=headers).status_code == 200
    assert client.post(base + "/score", headers=headers).status_code == 409  # not open yet
    assert client.post(base + "/open", headers=headers).status_code == 200
    assert client.post(base + "/score", headers=headers).get_json()["status"] == "scored"
    snapshot = client.get(base + "/snapshot", headers=headers).get_json()
    assert {u["name"] for u in snapshot["units"]} == {"柳荫小学", "京华物业食堂", "安静便利店"}
    scores = client.get(base + "/scores", headers=headers).get_json()
    assert [(r["name"], r["score"]) for r in scores["items"]][:2] == [("京华物业食堂", 8.0), ("柳荫小学", 6.0)]
    outside = client.post(base + "/nominations", json={"unit_id": str(town["gone"]), "citation": "理由"},
                          headers=headers)
    assert outside.status_code == 422 and list(outside.get_json()["error"]["fields"]) == ["unit_id"]
    unknown = client.post(base + "/nominations", json={"unit_id": str(town["school"]), "citation": "理由", "x": 1},
                          headers=headers)
    assert unknown.status_code == 422
    for unit in ("school", "canteen", "shop"):
        assert client.post(base + "/nominations", json={"unit_id": str(town[unit]), "citation": "理由"},
                           headers=headers).status_code == 201
    assert len(client.get(base + "/nominations", headers=headers).get_json()["items"]) == 3
    assert client.post(base + "/announce", headers=headers).status_code == 409
    voting = client.post(base + "/ballot", json={"days": 2, "secret": False}, headers=headers)
    assert voting.status_code == 201 and voting.get_json()["status"] == "voting"
    ballot_id = voting.get_json()["ballot_id"]
    resident = token_for(client, town["resident"])
    outside_vote = client.post(api(c, f"/ballots/{ballot_id}/votes"), json={"choices": ["1"]}, headers=resident)
    assert outside_vote.status_code in (403, 404)
    for voter in town["council"][:2] + town["reps"]:
        vote = client.post(api(c, f"/ballots/{ballot_id}/votes"), json={"choices": ["1", "2"]},
                           headers=token_for(client, voter))
        assert vote.status_code in (200, 201), vote.get_data(as_text=True)
    clock(2026, 12, 3, 11)
    with tenant_context(c.id):
        ballots.close_if_due(ballots.get(int(ballot_id)))
        db.session.commit()
    results = client.get(base + "/results", headers=headers).get_json()["items"]
    assert [r["awarded"] for r in results] == [True, True, False]
    awards = client.post(base + "/announce", headers=headers).get_json()["items"]
    with tenant_context(c.id):
        code = commendations.get_award(int(awards[0]["id"])).code
    assert len(awards) == 2 and awards[0]["verify_url"].endswith(f"/c/{c.slug}/verify/{code}")
    assert client.get(base + "/awards", headers=headers).get_json()["items"][0]["number"] == awards[0]["number"]
    certificate = client.get(api(c, f"/commendations/awards/{awards[0]['id']}/certificate.pdf"), headers=headers)
    assert certificate.status_code == 200 and awards[0]["number"] in text_of(certificate.data)
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/c/{slug}/commendations/{campaign_id}/scores" in spec["paths"]
    other = member(c, "unit", name="别的单位")
    assert client.get(api(c, f"/commendations/awards/{awards[0]['id']}/certificate.pdf"),
                      headers=token_for(client, other)).status_code == 403


def test_the_evidence_is_refreshed_before_nominations_and_a_nomination_withdrawn(town, app):  # noqa: F811
    c = town["community"]
    with tenant_context(c.id):
        campaign = commendations.create(year=2026, category="优秀会员单位", actor_id=town["staff"].id)
        commendations.open_campaign(campaign, actor_id=town["staff"].id)
        commendations.score(campaign, actor_id=town["staff"].id)
        db.session.commit()
        url = page(c, f"/commendations/{campaign.id}")
    chair = browser_for(app, town["council"][0])
    assert "刷新证据" in chair.get(url).get_data(as_text=True)
    assert chair.post(url + "/refresh").status_code == 302
    assert chair.post(url + "/nominate", data={"unit_id": str(town["shop"]), "citation": "热心便民"}).status_code == 302
    shown = chair.get(url).get_data(as_text=True)
    assert "热心便民" in shown and "刷新证据</button>" not in shown  # no refresh once a unit is nominated
    refused = chair.post(url + "/refresh")
    assert refused.status_code in (302, 303)
    assert "已有单位依据当前证据被推荐" in chair.get(url).get_data(as_text=True)
    with tenant_context(c.id):
        nomination = commendations.nominations(commendations.get(campaign.id))[0]
    assert chair.post(url + f"/nominations/{nomination.id}/withdraw").status_code == 302
    assert "还没有推荐。" in chair.get(url).get_data(as_text=True)
