"""The docking engine: proposals with reasons, the lifecycle, optimal batch vs greedy, capacity under concurrency."""
import threading
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core import engine
from app.core.extensions import db
from app.matching import services as matching
from app.matching.models import Match
from app.needs import services as needs
from app.needs.models import Need
from app.needs.schemas import NeedIn
from app.offers import services as offers
from app.offers.models import OfferOccurrence
from app.residents import services as residents
from tenants.context import tenant_context
from tests.factories import browser_for, docking_world, token_for

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-12-01"  # a Tuesday


@pytest.fixture
def world(app, clock):
    """The shared docking world, but 王秀英 has no account of her own: she phoned in, staff act for her.
    It is Monday morning; the needs are for Tuesday's lunch."""
    clock(2026, 11, 30, 10)
    return docking_world(grandma=False)


def _need(world, resident_id=None, day=DAY, **extra):
    data = {"kind": "meal", "title": "午饭送餐", "resident_id": str(resident_id or world["resident"]), "day": day,
            "slot": "lunch", **extra}
    return needs.create_need(NeedIn().load(data), actor_id=world["coordinator"].id, tz=TZ)


def test_proposal_passes_filters_and_says_why(app, client, world):
    with tenant_context(world["community"].id):
        need = _need(world)
        db.session.commit()
        need_id = need.id
    headers = token_for(client, world["coordinator"])
    body = client.get(f"/api/v1/c/dock/needs/{need_id}/proposals", headers=headers).get_json()
    assert [p["offer_id"] for p in body["items"]] == [str(world["offer"])]
    text = body["items"][0]["reasons_text"]
    assert "米" in text and "5" in text  # e.g. "距离 230 米 · 午餐余量 5 份"


def test_a_new_need_and_a_new_match_record_one_creation_entry(app, world):
    from app import history

    with tenant_context(world["community"].id):
        need = _need(world)
        db.session.commit()
        assert [(c.from_status, c.to_status) for c in history.history_of(need)] == [(None, "submitted")]
        match = matching.propose(need, world["offer"], actor_id=world["coordinator"].id)
        db.session.commit()
        assert [(c.from_status, c.to_status) for c in history.history_of(match)] == [(None, "proposed")]
        assert [(c.from_status, c.to_status) for c in history.history_of(need)] == [
            (None, "submitted"), ("submitted", "matched")]
        assert {c.actor_id for c in history.history_of(need)} == {world["coordinator"].id}


def test_filters_exclude_closed_far_full_and_ineligible(app, world):
    with tenant_context(world["community"].id):
        young = residents.create_resident({"name": "李强", "birth_date": date(1995, 1, 1)}, actor_id=None)
        far = residents.create_resident({"name": "赵大爷", "birth_date": date(1941, 1, 1), "latitude": 40.1,
                                         "longitude": 116.6}, actor_id=None)
        db.session.flush()
        assert matching.proposals(_need(world, young.id), actor_id=None) == []  # not eligible
        assert matching.proposals(_need(world, far.id), actor_id=None) == []  # too far
        assert matching.proposals(_need(world, day="2026-12-05"), actor_id=None) == []  # Saturday: closed
        offers.add_closure(offers.get_offer(world["offer"]), date(2026, 12, 2))
        assert matching.proposals(_need(world, day="2026-12-02"), actor_id=None) == []  # closure
        assert len(matching.proposals(_need(world), actor_id=None)) == 1
        db.session.rollback()


def test_lifecycle_through_the_api(app, client, world, drain, clock):
    with tenant_context(world["community"].id):
        need_id = _need(world).id
        db.session.commit()
    staff, cook = token_for(client, world["coordinator"]), token_for(client, world["cook"])
    match = client.post("/api/v1/c/dock/matches", json={"need_id": str(need_id), "offer_id": str(world["offer"])},
                        headers=staff)
    assert match.status_code == 201, match.get_json()
    match_id = match.get_json()["id"]
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/confirm", headers=staff).status_code == 409  # not accepted
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/accept", headers=cook).status_code == 200
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/confirm", headers=staff).status_code == 200
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/rating", json={"rating": 5}, headers=staff).status_code \
        == 409  # not delivered yet
    # Tuesday's lunch cannot be delivered on Monday: the need stays in service, no rating is asked for.
    early = client.post(f"/api/v1/c/dock/matches/{match_id}/deliver", headers=cook)
    assert early.status_code == 422 and "2026-12-01" in early.get_json()["error"]["fields"]["day"][0]
    assert client.get(f"/api/v1/c/dock/needs/{need_id}", headers=staff).get_json()["status"] == "in_service"
    assert client.get(f"/api/v1/c/dock/matches/{match_id}", headers=staff).get_json()["status"] == "confirmed"
    clock(2026, 12, 1, 12, 30)
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/deliver", headers=cook).status_code == 200
    rated = client.post(f"/api/v1/c/dock/matches/{match_id}/rating", json={"rating": 4, "comment": "好吃"},
                        headers=staff)
    assert rated.status_code == 200 and rated.get_json()["status"] == "rated"
    need = client.get(f"/api/v1/c/dock/needs/{need_id}", headers=staff).get_json()
    assert need["status"] == "done"
    offer = client.get(f"/api/v1/c/dock/offers/{world['offer']}", headers=staff).get_json()
    assert offer["rating"] == 4.0
    drain()


def test_decline_returns_the_need_to_the_pool(app, client, world):
    with tenant_context(world["community"].id):
        need_id = _need(world).id
        db.session.commit()
    staff, cook = token_for(client, world["coordinator"]), token_for(client, world["cook"])
    match_id = client.post("/api/v1/c/dock/matches", json={"need_id": str(need_id),
                                                           "offer_id": str(world["offer"])},
                           headers=staff).get_json()["id"]
    assert client.post(f"/api/v1/c/dock/matches/{match_id}/decline", json={"note": "满了"},
                       headers=cook).status_code == 200
    assert client.get(f"/api/v1/c/dock/needs/{need_id}", headers=staff).get_json()["status"] == "triaged"


def test_twenty_coordinators_confirming_five_places_give_exactly_five(app, world):
    """Real threads, each with its own session and transaction, against the real database."""
    with tenant_context(world["community"].id):
        match_ids = []
        for i in range(20):
            person = residents.create_resident({"name": f"老人{i}", "birth_date": date(1945, 1, 1)}, actor_id=None)
            db.session.flush()
            match = matching.propose(_need(world, person.id), world["offer"], actor_id=None)
            matching.accept(match, actor_id=None)
            match_ids.append(match.id)
        db.session.commit()
    community_id = world["community"].id  # plain values only: ORM objects belong to the test's session
    results, barrier = [], threading.Barrier(20, timeout=30)

    def coordinator(match_id):
        from app.core.database import retry_when_locked
        from app.core.validation import Conflict

        try:
            context = app.app_context()
            context.push()
        except Exception as exc:
            results.append(repr(exc))
            barrier.abort()
            return
        with tenant_context(community_id):
            barrier.wait()

            @retry_when_locked
            def attempt():
                matching.confirm(matching.get_match(match_id), actor_id=None)
                db.session.commit()

            try:
                attempt()
                results.append("confirmed")
            except Conflict as exc:
                db.session.rollback()
                results.append(exc.code)
            except Exception as exc:  # surfaces in the assertion below instead of dying silently in a thread
                results.append(repr(exc))
        context.pop()

    threads = [threading.Thread(target=coordinator, args=(m,)) for m in match_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results.count("confirmed") == 5, results
    assert results.count("capacity") == 15
    with tenant_context(world["community"].id):
        booked = db.session.execute(select(OfferOccurrence.booked)).scalar_one()
        assert booked == 5
    db.session.rollback()


def test_optimal_batch_serves_more_than_greedy_when_greedy_is_not_optimal():
    """Need 1 can use A or B, need 2 only A; first come first served gives A to need 1 and strands need 2."""
    from datetime import datetime

    start = datetime(2026, 12, 1, 11, tzinfo=TZ)
    end = datetime(2026, 12, 1, 13, tzinfo=TZ)

    def offer(offer_id, lat):
        return engine.OfferFacts(id=offer_id, unit_id=1, kind="meal", capacity=1, booked=0, eligibility=["anyone"],
                                 latitude=lat, longitude=116.38, radius_m=2000, weekly={}, closed_days=set(),
                                 slots=["lunch"], rating=None)

    a, b = offer(1, 39.9400), offer(2, 39.9530)
    near_a = engine.NeedFacts(id=1, kind="meal", start=start, end=end, occurrence="x", latitude=39.9401,
                              longitude=116.38, slot="lunch")
    only_a = engine.NeedFacts(id=2, kind="meal", start=start, end=end, occurrence="x", latitude=39.9300,
                              longitude=116.38, slot="lunch")
    greedy = engine.greedy_assignment([near_a, only_a], [a, b])
    best = engine.optimal_assignment([near_a, only_a], [a, b])
    assert len(greedy) == 1
    assert best == {1: 2, 2: 1}


def test_batch_endpoint_compares_with_greedy_and_proposes(app, client, world):
    with tenant_context(world["community"].id):
        for i in range(7):
            person = residents.create_resident({"name": f"张{i}", "birth_date": date(1944, 1, 1)}, actor_id=None)
            db.session.flush()
            _need(world, person.id)
        db.session.commit()
    staff = token_for(client, world["coordinator"])
    plan = client.post("/api/v1/c/dock/matching/batch", json={"kind": "meal", "day": DAY, "slot": "lunch"},
                       headers=staff).get_json()
    assert plan["needs"] == 7 and plan["served"] == 5 and plan["greedy_served"] == 5
    applied = client.post("/api/v1/c/dock/matching/batch",
                          json={"kind": "meal", "day": DAY, "slot": "lunch", "apply": True}, headers=staff)
    assert applied.get_json()["proposed"] == 5


def test_bad_input_gets_field_messages(app, client, world):
    staff = token_for(client, world["coordinator"])
    cases = [
        ({"kind": "meal", "title": "x", "resident_id": str(world["resident"]), "day": DAY}, "slot"),
        ({"kind": "venue", "title": "x", "window_start": "2026-12-05T10:00:00", "window_end": "2026-12-05T09:00:00"},
         "window_end"),
        ({"kind": "legal", "title": "法律咨询", "window_start": "2026-12-05T10:00:00",
          "window_end": "2026-12-05T11:00:00"}, "kind"),  # no unit offers legal aid
        ({"kind": "meal", "title": "x", "day": DAY, "slot": "lunch", "latitude": 95, "longitude": 116}, "latitude"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/c/dock/needs", json=body, headers=staff)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], response.get_json()
    too_low = client.patch(f"/api/v1/c/dock/offers/{world['offer']}", json={"capacity": 0}, headers=staff)
    assert too_low.status_code == 422


def test_a_need_for_a_time_already_over_is_refused_on_both_faces(app, client, world, clock):
    staff = token_for(client, world["coordinator"])
    base = {"kind": "meal", "title": "午饭", "resident_id": str(world["resident"]), "slot": "lunch"}
    old = client.post("/api/v1/c/dock/needs", json=base | {"day": "2020-01-01"}, headers=staff)
    assert old.status_code == 422
    assert "2020-01-01" in old.get_json()["error"]["fields"]["day"][0] and "已过" in \
        old.get_json()["error"]["fields"]["day"][0]
    window = client.post("/api/v1/c/dock/needs", json={
        "kind": "meal", "title": "午饭", "resident_id": str(world["resident"]), "slot": "lunch",
        "window_start": "2026-11-29T11:00:00", "window_end": "2026-11-29T13:00:00"}, headers=staff)
    assert window.status_code == 422 and "day" in window.get_json()["error"]["fields"]
    clock(2026, 11, 30, 14)  # today's lunch is over at one
    today = client.post("/api/v1/c/dock/needs", json=base | {"day": "2026-11-30"}, headers=staff)
    assert today.status_code == 422 and "13:00" in today.get_json()["error"]["fields"]["day"][0]
    other = client.post("/api/v1/c/dock/needs", json={
        "kind": "meal", "title": "x", "resident_id": str(world["resident"]), "slot": "lunch", "day": "2026-12-01"},
        headers=staff)
    assert other.status_code == 201  # tomorrow is fine
    page = browser_for(app, world["coordinator"])
    shown = page.post("/c/dock/needs/new", data={
        "kind": "meal", "title": "午饭送到家", "resident_id": str(world["resident"]), "day": "2020-01-01",
        "slot": "lunch", "window_start": "", "window_end": "", "quantity": "1", "urgency": "normal"})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 422 and "2020-01-01" in text and "已过" in text and "午饭送到家" in text
    with tenant_context(world["community"].id):
        assert [n.title for n in db.session.execute(select(Need)).scalars()] == ["x"]


def test_the_engine_proposes_nothing_for_a_day_already_past(app, client, world, clock):
    with tenant_context(world["community"].id):
        need_id = _need(world).id  # Tuesday's lunch, registered on Monday
        db.session.commit()
    clock(2026, 12, 2, 9)  # Wednesday: Tuesday is over
    staff = token_for(client, world["coordinator"])
    assert client.get(f"/api/v1/c/dock/needs/{need_id}/proposals", headers=staff).get_json()["items"] == []
    late = client.post("/api/v1/c/dock/matches", json={"need_id": str(need_id), "offer_id": str(world["offer"])},
                       headers=staff)
    assert late.status_code == 422 and "2026-12-01" in late.get_json()["error"]["fields"]["offer_id"][0]
    batch = client.post("/api/v1/c/dock/matching/batch", json={"kind": "meal", "day": DAY, "slot": "lunch",
                                                               "apply": True}, headers=staff).get_json()
    assert (batch["needs"], batch["served"], batch["proposed"]) == (1, 0, 0)
    with tenant_context(world["community"].id):
        assert db.session.execute(select(Match)).first() is None
