"""Journey: an elderly resident and the canteen's cook log in on a phone and land on their homes.

The resident's big buttons are large touch targets with names a screen reader reads out, in normal and in large
text, and no home scrolls sideways; the first button starts a meal request.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from app.needs import services as needs
from app.needs.schemas import NeedIn
from tenants import clock
from tenants.context import tenant_context
from tests.e2e.conftest import ARTIFACTS, T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll
from tests.factories import docking_world


@pytest.fixture
def dock(app):
    world = docking_world()
    with tenant_context(world["community"].id):
        tomorrow = (clock.today() + timedelta(days=1)).isoformat()  # today's lunch is over after 13:00
        needs.create_need(NeedIn().load({"kind": "meal", "title": "王奶奶要一份午饭", "slot": "lunch",
                                         "resident_id": str(world["resident"]), "day": tomorrow}),
                          actor_id=world["coordinator"].id, tz=clock.zone())
        db.session.commit()
    world["logins"] = {who: world[who].email for who in ("grandma", "cook")}
    settle()
    return world


def test_a_resident_and_a_unit_land_on_their_homes_on_a_phone(new_context, dock):
    phone = new_context(**PHONE).new_page()
    log_in(phone, dock["logins"]["grandma"])
    expect(phone).to_have_url(re.compile(r"/c/dock/home/resident$"))
    buttons = [phone.get_by_role("link", name=T("Ask for a meal", exact=False)),
               phone.get_by_role("link", name=T("Ask for help", exact=False)),
               phone.get_by_role("link", name=T("My requests", exact=False)),
               phone.get_by_role("link", name=T("My messages", exact=False))]
    expect(phone.get_by_text("王奶奶要一份午饭")).to_be_visible()
    for size in ("normal", "large"):
        if size == "large":
            phone.get_by_role("button", name=T("Large text")).click()
            expect(phone.get_by_role("button", name=T("Normal text"))).to_be_visible()
        phone.wait_for_load_state("load")  # measured once the style sheet applies
        for button in buttons:
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box["height"] >= 48 and box["width"] >= 48, f"{size}: {button.inner_text()!r} is {box}"
        no_sideways_scroll(phone, f"the resident's home, {size} text")
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / f"phone-home-resident-{size}.png"), full_page=True)
    buttons[0].click()
    expect(phone).to_have_url(re.compile(r"/c/dock/needs/new\?kind=meal$"))

    cook = new_context(**PHONE).new_page()
    log_in(cook, dock["logins"]["cook"])
    expect(cook).to_have_url(re.compile(r"/c/dock/home/unit$"))
    expect(cook.get_by_role("heading", name=T("Tomorrow's manifest", exact=False))).to_be_visible()
    cook.get_by_role("button", name=T("Large text")).click()
    expect(cook.get_by_role("button", name=T("Normal text"))).to_be_visible()
    no_sideways_scroll(cook, "the unit's desk, large text")
    cook.screenshot(path=str(ARTIFACTS / "phone-home-unit-large.png"), full_page=True)
