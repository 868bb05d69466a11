"""Unit↔unit docking end to end: the park needs catering for its temple fair (庙会); the restaurant's
catering offer is proposed, the restaurant accepts in one tap, staff confirm, it is delivered and the park
rates it. The park posts through the pages, the restaurant answers through the API; each side sees only
what is its own."""
import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.matching.models import Match
from app.needs.models import Need
from app.notifications.models import OutboxEvent
from app.offers import services as offers
from app.offers.models import Offer
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, member, token_for


@pytest.fixture
def world(app, clock):
    clock(2027, 2, 6, 9)  # the morning of the fair: catering for its lunch is asked, served and rated today
    community = CommunityFactory(slug="fair")
    coordinator = member(community, "admin", "coordinator", name="陈晓燕")
    park_rep = member(community, "unit", name="公园办公室")
    chef = member(community, "unit", name="聚福园经理")
    with tenant_context(community.id):
        park = units.create_unit({"name": "L公园", "type": "park"})
        restaurant = units.create_unit({"name": "聚福园饭店", "type": "shop"})
        units.add_representative(park, park_rep.id)
        units.add_representative(restaurant, chef.id)
        catering = offers.create_offer({"unit_id": str(restaurant.id), "kind": "meal", "title": "团体餐承办",
                                        "capacity": 600, "slots": ["lunch"], "terms": "priced",
                                        "price_cents": 2500, "eligibility": ["anyone"]})
        db.session.commit()
        ids = {"park": park.id, "restaurant": restaurant.id, "offer": catering.id}
    return {"community": community, "coordinator": coordinator, "park_rep": park_rep, "chef": chef, **ids}


def test_the_park_asks_for_catering_and_the_restaurant_serves_it(app, client, world, drain):
    park = browser_for(app, world["park_rep"])
    form = park.get("/c/fair/needs/new?kind=meal").get_data(as_text=True)
    assert "L公园" in form and "聚福园饭店" not in form  # a unit asks only for its own unit
    created = park.post("/c/fair/needs/new", data={
        "kind": "meal", "title": "庙会 500 人午餐", "details": "正月初一至初三，公园东门",
        "unit_id": str(world["park"]), "resident_id": "", "day": "2027-02-06", "slot": "lunch", "quantity": "500",
        "urgency": "normal"})
    assert created.status_code == 302, created.get_data(as_text=True)
    need_id = int(re.search(r"/needs/(\d+)$", created.headers["Location"]).group(1))
    with tenant_context(world["community"].id):
        assert db.session.execute(select(OutboxEvent.event).where(OutboxEvent.event == "need.submitted")).scalar()

    staff = token_for(client, world["coordinator"])
    proposals = client.get(f"/api/v1/c/fair/needs/{need_id}/proposals", headers=staff).get_json()["items"]
    assert [p["offer_id"] for p in proposals] == [str(world["offer"])]
    assert "600" in proposals[0]["reasons_text"]  # the places left, in words
    match = client.post("/api/v1/c/fair/matches", json={"need_id": str(need_id), "offer_id": str(world["offer"])},
                        headers=staff).get_json()

    chef = token_for(client, world["chef"])
    waiting = client.get("/api/v1/c/fair/matches?status=proposed", headers=chef).get_json()["items"]
    assert [m["id"] for m in waiting] == [match["id"]]
    # The park cannot answer for the restaurant; the restaurant cannot confirm for staff.
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/accept",
                       headers=token_for(client, world["park_rep"])).status_code == 403
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/accept", headers=chef).status_code == 200
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/confirm", headers=chef).status_code == 403
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/confirm", headers=staff).get_json()["status"] == \
        "confirmed"
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/rating", json={"rating": 4},
                       headers=token_for(client, world["park_rep"])).status_code == 409  # not delivered yet
    assert client.post(f"/api/v1/c/fair/matches/{match['id']}/deliver", headers=chef).status_code == 200

    page = park.get(f"/c/fair/needs/{need_id}").get_data(as_text=True)
    assert "团体餐承办" in page and f"/needs/{need_id}/rating" in page
    assert park.post(f"/c/fair/needs/{need_id}/rating", data={"rating": "4", "comment": "准时，量足"}).status_code \
        == 302
    with tenant_context(world["community"].id):
        assert db.session.get(Need, need_id).status == "done"
        assert db.session.execute(select(Match.status, Match.quantity)).one() == ("rated", 500)
        assert db.session.get(Offer, world["offer"]).rating == 4.0
    drain()
