"""Journey: a daughter asks for her mother's lunch delivery on her phone; the coordinator confirms; she skips
one day before the cutoff; the canteen opens the manifest with the delivery round
(JOURNEYS.md: resident step 2, coordinator's morning, unit representative step 3)."""
from datetime import date

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from app.meals import services as meals
from app.offers import services as offers
from app.residents import services as residents
from app.units import services as units
from tenants.context import tenant_context
from tenants.models import Community
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll
from tests.factories import member


@pytest.fixture
def canteen_world(app, admin_world):
    community = db.session.get(Community, admin_world.community_id)
    member(community, "coordinator", name="钱协调", email="coord@liuyin.example")
    cook = member(community, "unit", name="张师傅", email="cook@liuyin.example")
    daughter = member(community, "resident", name="王丽", email="wangli@liuyin.example")
    with tenant_context(community.id):
        unit = units.create_unit({"name": "柳荫物业食堂", "type": "property_company"})
        units.add_representative(unit, cook.id)
        canteen = offers.create_offer({"unit_id": str(unit.id), "kind": "meal", "title": "长者午餐",
                                       "capacity": 30, "slots": ["lunch"], "delivery": True,
                                       "eligibility": ["elderly"]})
        meals.save_settings(canteen, {"prices": {"lunch": {"elderly": 800}}, "cutoff": "17:00"})
        residents.create_resident({"name": "王秀英", "birth_date": date(1938, 6, 1), "building": "5", "entrance": "1",
                                   "room": "402", "address": "柳荫街 5 号楼"}, actor_id=None, account_id=daughter.id)
        db.session.commit()
        canteen_id = canteen.id
    settle()
    return {"canteen": canteen_id}


def test_lunch_delivery_asked_confirmed_skipped_and_on_the_manifest(new_context, admin_world, canteen_world):
    # The daughter, on her phone, asks for lunch delivered every day with a diet note.
    phone = new_context(**PHONE).new_page()
    log_in(phone, "wangli@liuyin.example")
    phone.goto(f"/c/{admin_world.slug}/meals/")
    phone.get_by_role("link", name=T("Ask for meals")).first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(T("Ask for meals"))
    no_sideways_scroll(phone, "meal plan form")
    for day in ("Saturday", "Sunday"):
        phone.get_by_label(T(day)).check()
    phone.get_by_label(T("Delivered home")).check()
    phone.get_by_label(T("Diet notes")).fill("少盐，软食")
    phone.get_by_role("button", name=T("Ask for meals")).click()
    expect(phone.get_by_text(T("Asked for; the community office will confirm the meal plan."))).to_be_visible()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(T("Waiting for confirmation", exact=False))

    # The coordinator confirms it from the meals page.
    desk = new_context().new_page()
    log_in(desk, "coord@liuyin.example")
    desk.goto(f"/c/{admin_world.slug}/meals/")
    desk.get_by_role("region", name=T("Waiting for confirmation", exact=False)).get_by_role(
        "link", name="王秀英").click()
    desk.get_by_role("button", name=T("Confirm and order")).click()
    expect(desk.get_by_text(T("Meal plan confirmed; the meals are ordered."))).to_be_visible()

    # The daughter sees the coming meals and skips the second one.
    phone.goto(f"/c/{admin_world.slug}/meals/")
    coming = phone.get_by_role("region", name=T("Coming meals"))
    skips = coming.get_by_role("button", name=T("Skip this meal"))
    expect(skips.first).to_be_visible()
    before = skips.count()
    assert before >= 5
    no_sideways_scroll(phone, "coming meals")
    skips.nth(1).click()
    expect(phone.get_by_text(T("The meal on %(day)s is skipped.", exact=False))).to_be_visible()
    expect(coming.get_by_role("button", name=T("Skip this meal"))).to_have_count(before - 1)
    expect(coming.get_by_role("button", name=T("Order again"))).to_have_count(1)

    # The canteen opens the first day's manifest: name, room and diet; it marks the meal delivered.
    with tenant_context(admin_world.community_id):
        first = meals.list_orders(status="ordered", limit=1)[0].day
    settle()
    cook = new_context(**PHONE).new_page()
    log_in(cook, "cook@liuyin.example")
    cook.goto(f"/c/{admin_world.slug}/meals/canteens/{canteen_world['canteen']}/manifest?day={first.isoformat()}")
    round_ = cook.get_by_role("region", name=T("Delivery round"))
    expect(round_).to_contain_text("王秀英")
    expect(round_).to_contain_text("5-1-402")
    expect(round_).to_contain_text("少盐，软食")
    no_sideways_scroll(cook, "manifest")
    # The meal is still to come: nothing to mark yet, only the box to tick on paper.
    expect(round_.get_by_role("button")).to_have_count(0)
