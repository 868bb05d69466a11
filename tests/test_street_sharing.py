"""Street sharing: a unit shares its offer with the street; needs are referred to neighbouring communities.

Street T holds communities A (sa) and B (sb), and D (sd) with no shared offer; street U holds C (sc).
"""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.matching import services as matching
from app.matching.models import Match
from app.needs import services as needs
from app.needs.models import Need
from app.needs.schemas import NeedIn
from app.notifications.models import OutboxEvent
from app.offers import services as offers
from app.referrals import services as referrals
from app.referrals.models import StreetReferral
from app.residents import services as residents
from app.units import services as units
from tenants.context import tenant_context
from tenants.models import Street
from tests.factories import Browser, CommunityFactory, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-12-01"
SECRET = {"name": "王秀英", "phone": "13912345678", "address": "柳荫街7号楼3单元502", "title": "王秀英的午饭",
          "details": "王奶奶低盐饮食，住五楼"}


def _offer(unit_id, title, *, shared, lat=39.9400, lon=116.3800, **extra):
    return offers.create_offer({"unit_id": str(unit_id), "kind": "meal", "title": title, "capacity": 5,
                                "slots": ["lunch"], "latitude": lat, "longitude": lon, "radius_m": 3000,
                                "shared_with_street": shared, **extra})


def street_world() -> dict:
    """A, B and D in street T; C in street U. B shares one lunch and keeps another to itself; C shares one."""
    t, u = Street(name="T街道"), Street(name="U街道")
    a = CommunityFactory(slug="sa", name="柳荫社区", street=t)
    b = CommunityFactory(slug="sb", name="安华社区", street=t)
    c = CommunityFactory(slug="sc", name="远方社区", street=u)
    d = CommunityFactory(slug="sd", name="和平社区", street=t)
    staff = {key: member(community, "admin", "coordinator", name=f"{key}协调员")
             for key, community in (("a", a), ("b", b), ("c", c), ("d", d))}
    cook = member(b, "unit", name="安华食堂厨师")
    world = {"a": a, "b": b, "c": c, "d": d, "staff": staff, "cook": cook}
    with tenant_context(a.id):
        unit = units.create_unit({"name": "柳荫食堂", "type": "shop"})
        world["a_offer"] = _offer(unit.id, "柳荫午饭", shared=False).id
        resident = residents.create_resident({"name": SECRET["name"], "phone": SECRET["phone"],
                                              "address": SECRET["address"], "birth_date": date(1940, 3, 2),
                                              "latitude": 39.9470, "longitude": 116.3810},
                                             actor_id=staff["a"].id)
        db.session.commit()
        world["resident"] = resident.id
    with tenant_context(b.id):
        unit = units.create_unit({"name": "安华食堂", "type": "property_company"})
        units.add_representative(unit, cook.id)
        world["b_shared"] = _offer(unit.id, "安华共享午饭", shared=True, eligibility=["elderly"]).id
        world["b_private"] = _offer(unit.id, "安华内部午饭", shared=False).id
        db.session.commit()
    with tenant_context(c.id):
        unit = units.create_unit({"name": "远方食堂", "type": "shop"})
        world["c_shared"] = _offer(unit.id, "远方共享午饭", shared=True).id
        db.session.commit()
    return world


@pytest.fixture
def world(app, clock):
    clock(2026, 12, 1, 9)  # Tuesday morning: the needs are for today's lunch
    return street_world()


def _need(world, **extra) -> int:
    with tenant_context(world["a"].id):
        need = needs.create_need(NeedIn().load({"kind": "meal", "title": SECRET["title"], "details": SECRET["details"],
                                                "resident_id": str(world["resident"]), "day": DAY, "slot": "lunch",
                                                **extra}),
                                 actor_id=world["staff"]["a"].id, tz=TZ)
        db.session.commit()
        return need.id


def _events(community) -> list[str]:
    with tenant_context(community.id):
        found = list(db.session.execute(select(OutboxEvent.event).order_by(OutboxEvent.id)).scalars())
    db.session.rollback()
    return found


def test_proposals_list_the_neighbours_shared_offers_after_our_own_with_the_reason(app, client, world):
    need_id = _need(world)
    headers = token_for(client, world["staff"]["a"])
    items = client.get(f"/api/v1/c/sa/needs/{need_id}/proposals", headers=headers).get_json()["items"]
    assert [(p["offer_id"], p["community_id"]) for p in items] == [
        (str(world["a_offer"]), None), (str(world["b_shared"]), str(world["b"].id))]
    neighbour = items[1]
    assert neighbour["community_name"] == "安华社区" and neighbour["offer_title"] == "安华共享午饭"
    assert neighbour["reasons_text"].startswith("邻近社区 安华社区 · 距离 ")
    assert "米" in neighbour["reasons_text"]
    # The page shows it too, with a referral button instead of a proposal.
    browser = Browser(app.test_client())
    browser.login(world["staff"]["a"])
    page = browser.get(f"/c/sa/needs/{need_id}").get_data(as_text=True)
    assert "安华共享午饭" in page and "邻近社区 安华社区" in page and f"/c/sa/needs/{need_id}/refer" in page
    assert "安华内部午饭" not in page and "远方共享午饭" not in page
    # A neighbour's offer is referred, never matched here: the composite key keeps a match in one community.
    answer = client.post("/api/v1/c/sa/matches", json={"need_id": str(need_id), "offer_id": str(world["b_shared"])},
                         headers=headers)
    assert answer.status_code == 422


def test_sensitive_eligibility_does_not_cross_the_street(app, world):
    """A neighbour's offer for the disabled only is not proposed: disability is not shared with B."""
    with tenant_context(world["b"].id):
        offers.update_offer(offers.get_offer(world["b_shared"]), {"eligibility": ["disabled"]})
        db.session.commit()
    with tenant_context(world["a"].id):
        resident = residents.get_resident(world["resident"])
        residents.record_consent(resident, given_by="本人", method="in_person", actor_id=None)
        residents.set_sensitive(resident, {"disability_category": "visual", "disability_grade": 2}, actor_id=None)
        db.session.commit()
    need_id = _need(world)
    with tenant_context(world["a"].id):
        found = matching.proposals(needs.get_need(need_id), actor_id=None)
        assert [c.community_id for c in found] == [None]
    db.session.rollback()


def test_referral_end_to_end_through_the_api_and_the_pages(app, client, world, drain):
    need_id = _need(world)
    a_headers = token_for(client, world["staff"]["a"])
    made = client.post("/api/v1/c/sa/referrals", json={"need_id": str(need_id), "offer_id": str(world["b_shared"])},
                       headers=a_headers)
    assert made.status_code == 201, made.get_data(as_text=True)
    referral = made.get_json()
    assert referral["status"] == "open" and referral["direction"] == "outgoing"
    assert referral["to_community"]["name"] == "安华社区" and referral["need_id"] == str(need_id)
    assert client.get(f"/api/v1/c/sa/needs/{need_id}", headers=a_headers).get_json()["status"] == "matched"
    drain()
    assert "referral.arrived" in _events(world["b"])

    # B's coordinator sees it on the work queue and takes it on the referral page.
    browser = Browser(app.test_client())
    browser.login(world["staff"]["b"])
    today = browser.get("/c/sb/today").get_data(as_text=True)
    assert f"/c/sb/referrals/{referral['id']}" in today and "柳荫社区" in today
    page = browser.get(f"/c/sb/referrals/{referral['id']}").get_data(as_text=True)
    assert "来自 柳荫社区 的居民" in page and "a协调员" in page
    taken = browser.post(f"/c/sb/referrals/{referral['id']}/take")
    assert taken.status_code == 302 and "/c/sb/needs/" in taken.headers["Location"]
    drain()
    with tenant_context(world["b"].id):
        b_need = db.session.execute(select(Need).where(Need.referral_id == int(referral["id"]))).scalar_one()
        match = db.session.execute(select(Match).where(Match.need_id == b_need.id)).scalar_one()
        assert (b_need.resident_id, b_need.status, match.offer_id, match.status) == (
            None, "matched", world["b_shared"], "proposed")
        b_need_id, match_id = b_need.id, match.id
    db.session.rollback()
    assert "来自 柳荫社区 的居民" in browser.get(f"/c/sb/needs/{b_need_id}").get_data(as_text=True)
    assert "referral.taken" in _events(world["a"])
    assert client.get(f"/api/v1/c/sa/referrals/{referral['id']}", headers=a_headers).get_json()["status"] == "taken"

    # B's unit accepts, B confirms and delivers: the referral follows, and A's need follows in A.
    cook = token_for(client, world["cook"])
    b_headers = token_for(client, world["staff"]["b"])
    assert client.post(f"/api/v1/c/sb/matches/{match_id}/accept", headers=cook).status_code == 200
    assert client.post(f"/api/v1/c/sb/matches/{match_id}/confirm", headers=b_headers).status_code == 200
    drain()
    assert client.get(f"/api/v1/c/sa/needs/{need_id}", headers=a_headers).get_json()["status"] == "in_service"
    assert client.post(f"/api/v1/c/sb/matches/{match_id}/deliver", headers=cook).status_code == 200
    drain()
    assert client.get(f"/api/v1/c/sa/needs/{need_id}", headers=a_headers).get_json()["status"] == "done"
    assert client.get(f"/api/v1/c/sa/referrals/{referral['id']}", headers=a_headers).get_json()["status"] == "served"
    assert "referral.served" in _events(world["a"])
    listed = client.get("/api/v1/c/sb/referrals?box=incoming", headers=b_headers).get_json()["items"]
    assert [(r["id"], r["need_id"]) for r in listed] == [(referral["id"], str(b_need_id))]


def test_withdrawing_a_taken_referral_cancels_the_neighbours_need(app, client, world, drain):
    need_id = _need(world)
    with tenant_context(world["a"].id):
        referral = referrals.refer(needs.get_need(need_id), world["b_shared"], actor_id=None)
        db.session.commit()
        referral_id = referral.id
    with tenant_context(world["b"].id):
        b_need_id = referrals.take(referrals.get_referral(referral_id), actor_id=None).id
        db.session.commit()
    drain()
    a_headers = token_for(client, world["staff"]["a"])
    # Only the origin withdraws; B gets a clear conflict.
    b_headers = token_for(client, world["staff"]["b"])
    assert client.post(f"/api/v1/c/sb/referrals/{referral_id}/withdraw", headers=b_headers).status_code == 409
    answer = client.post(f"/api/v1/c/sa/referrals/{referral_id}/withdraw", headers=a_headers)
    assert answer.status_code == 200 and answer.get_json()["status"] == "withdrawn"
    drain()
    assert client.get(f"/api/v1/c/sa/needs/{need_id}", headers=a_headers).get_json()["status"] == "triaged"
    assert client.get(f"/api/v1/c/sb/needs/{b_need_id}", headers=b_headers).get_json()["status"] == "cancelled"


def test_escalation_refers_to_the_street_only_when_a_neighbour_shares_that_kind(app, client, world, drain):
    with tenant_context(world["b"].id):
        offers.update_offer(offers.get_offer(world["b_shared"]), {"shared_with_street": False})
        db.session.commit()
    first = _need(world)
    with tenant_context(world["a"].id):
        needs.get_need(first).created_at -= timedelta(days=5)
        assert matching.escalate_overdue() == 1
        db.session.commit()
        assert db.session.execute(select(StreetReferral)).scalars().all() == []  # nobody opted in
    with tenant_context(world["b"].id):
        offers.update_offer(offers.get_offer(world["b_shared"]), {"shared_with_street": True})
        db.session.commit()
    second = _need(world)
    with tenant_context(world["a"].id):
        needs.get_need(second).created_at -= timedelta(days=5)
        assert matching.escalate_overdue() == 1
        db.session.commit()
        referral = db.session.execute(select(StreetReferral)).scalar_one()
        assert (referral.need_id, referral.to_community_id, referral.source) == (second, None, "escalated")
        referral_id = referral.id
    drain()
    assert "referral.arrived" in _events(world["b"])
    assert "referral.arrived" not in _events(world["d"])  # D shares no meal
    for slug, key, seen in (("sb", "b", True), ("sd", "d", True), ("sc", "c", False)):
        headers = token_for(client, world["staff"][key])
        ids = [r["id"] for r in client.get(f"/api/v1/c/{slug}/referrals", headers=headers).get_json()["items"]]
        assert (str(referral_id) in ids) is seen, slug
    # The first neighbour to take it becomes its target; the street no longer sees it.
    b_headers, d_headers = token_for(client, world["staff"]["b"]), token_for(client, world["staff"]["d"])
    assert client.post(f"/api/v1/c/sb/referrals/{referral_id}/take", headers=b_headers).status_code == 200
    assert client.post(f"/api/v1/c/sd/referrals/{referral_id}/take", headers=d_headers).status_code == 404
    drain()
    a_headers = token_for(client, world["staff"]["a"])
    assert client.get(f"/api/v1/c/sa/needs/{second}", headers=a_headers).get_json()["status"] == "matched"


def test_a_referral_to_b_is_invisible_to_the_rest_of_the_street_and_to_other_streets(app, client, world):
    need_id = _need(world)
    with tenant_context(world["a"].id):
        referral_id = referrals.refer(needs.get_need(need_id), world["b_shared"], actor_id=None).id
        db.session.commit()
    for slug, key in (("sc", "c"), ("sd", "d")):
        headers = token_for(client, world["staff"][key])
        assert client.get(f"/api/v1/c/{slug}/referrals/{referral_id}", headers=headers).status_code == 404
        assert client.post(f"/api/v1/c/{slug}/referrals/{referral_id}/take", headers=headers).status_code == 404
        with tenant_context(world[key].id):
            assert referrals.get_referral(referral_id) is None
        db.session.rollback()


def test_bs_objects_are_still_404_under_a(app, client, world):
    headers = token_for(client, world["staff"]["a"])
    browser = Browser(app.test_client())
    browser.login(world["staff"]["a"])
    for offer_id in (world["b_shared"], world["b_private"], world["c_shared"]):
        assert client.get(f"/api/v1/c/sa/offers/{offer_id}", headers=headers).status_code == 404
        assert browser.get(f"/c/sa/offers/{offer_id}").status_code == 404
        assert client.patch(f"/api/v1/c/sa/offers/{offer_id}", json={"title": "改"}, headers=headers).status_code == 404
    listed = client.get("/api/v1/c/sa/offers", headers=headers).get_json()["items"]
    assert [o["id"] for o in listed] == [str(world["a_offer"])]
    assert "安华" not in browser.get("/c/sa/offers/").get_data(as_text=True)


def test_the_referral_carries_no_personal_data(app, client, world, drain):
    need_id = _need(world)
    with tenant_context(world["a"].id):
        referral = referrals.refer(needs.get_need(need_id), world["b_shared"], actor_id=world["staff"]["a"].id)
        db.session.commit()
        referral_id = referral.id
        row = db.session.execute(select(StreetReferral.__table__).where(StreetReferral.id == referral_id)).one()
        resident = residents.get_resident(world["resident"])
        assert abs(row.latitude - resident.latitude) < 0.001 and row.latitude == round(row.latitude, 3)
    db.session.rollback()
    stored = " ".join(str(value) for value in row)
    headers = token_for(client, world["staff"]["b"])
    seen = [stored, client.get(f"/api/v1/c/sb/referrals/{referral_id}", headers=headers).get_data(as_text=True),
            client.get("/api/v1/c/sb/referrals", headers=headers).get_data(as_text=True)]
    browser = Browser(app.test_client())
    browser.login(world["staff"]["b"])
    seen += [browser.get(f"/c/sb/referrals/{referral_id}").get_data(as_text=True),
             browser.get("/c/sb/referrals/").get_data(as_text=True), browser.get("/c/sb/today").get_data(as_text=True)]
    taken = browser.post(f"/c/sb/referrals/{referral_id}/take")
    seen.append(browser.get(taken.headers["Location"]).get_data(as_text=True))
    drain()
    for text in seen:
        for secret in (SECRET["name"], SECRET["phone"], SECRET["address"], "王奶奶", "低盐", "1940"):
            assert secret not in text


def test_bad_input_gets_field_messages(app, client, world):
    need_id = _need(world)
    headers = token_for(client, world["staff"]["a"])
    for body in ({"need_id": "x", "offer_id": "1"}, {"need_id": str(need_id), "offer_id": str(world["b_private"])},
                 {"need_id": str(need_id), "offer_id": str(world["c_shared"])}):
        answer = client.post("/api/v1/c/sa/referrals", json=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.get_json()["error"]["fields"]
    assert client.get("/api/v1/c/sa/referrals?box=sideways", headers=headers).status_code == 422
    # A resident may not refer or see referrals.
    someone = member(world["a"], "resident")
    resident_headers = token_for(client, someone)
    assert client.get("/api/v1/c/sa/referrals", headers=resident_headers).status_code == 403


def test_referral_list_does_not_grow_with_the_number_of_referrals(app, client, world, count_sql, drain):
    headers = token_for(client, world["staff"]["b"])

    def refer_one():
        need_id = _need(world)
        with tenant_context(world["a"].id):
            referrals.refer(needs.get_need(need_id), world["b_shared"], actor_id=world["staff"]["a"].id)
            db.session.commit()

    refer_one()
    drain()  # the arrival notices, so that only the list is counted
    client.get("/api/v1/c/sb/referrals", headers=headers)
    with count_sql() as one:
        client.get("/api/v1/c/sb/referrals", headers=headers)
    for _ in range(5):
        refer_one()
    drain()
    with count_sql() as six:
        body = client.get("/api/v1/c/sb/referrals", headers=headers).get_json()
    assert len(body["items"]) == 6
    assert six() == one()


def test_the_sweep_repeats_a_lost_follow_up_and_expires_what_is_past(app, world, clock):
    need_id = _need(world)
    with tenant_context(world["a"].id):
        referral_id = referrals.refer(needs.get_need(need_id), world["b_shared"], actor_id=None).id
        db.session.commit()
    with tenant_context(world["b"].id):
        referrals.take(referrals.get_referral(referral_id), actor_id=None)
        db.session.commit()
    from jobs.queues import _in_process

    _in_process.set([])  # the jobs are lost (Redis went away)
    with tenant_context(world["a"].id):
        assert referrals.sweep() == 1
        db.session.commit()
        referral = referrals.get_referral(referral_id)
        assert referral.origin_status == "taken"
        assert referrals.sweep() == 0  # nothing left to do
    db.session.rollback()
    assert _events(world["a"]).count("referral.taken") == 1
    # An open referral whose time has passed expires, and the origin's need waits here again.
    clock(2020, 1, 6, 10)  # registered back then, for the next day
    other = _need(world, day="2020-01-07")
    clock(2026, 12, 1, 9)
    with tenant_context(world["a"].id):
        need = needs.get_need(other)
        fact = needs.facts(need, actor_id=None, tz=TZ)
        referral = referrals.refer_to_street(need, fact, set())
        history_before = need.status
        referrals.sweep()
        db.session.commit()
        assert (referral.status, need.status, history_before) == ("expired", "submitted", "submitted")
    db.session.rollback()
