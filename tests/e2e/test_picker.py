"""Journey: the coordinator takes a phone call from 张三丰, one of a register longer than any list, and registers
his lunch with the keyboard alone: the kind first, then the resident found by his pinyin initials in the picker
(an ARIA combobox whose count a screen reader hears); without JavaScript the same picker is a search whose
matches come back as choices; in large text on a phone nothing scrolls sideways."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.core.extensions import db
from app.residents import services as residents
from tenants import clock
from tenants.context import tenant_context
from tenants.models import Community
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll
from tests.factories import canteen_lunch, member
from tests.test_pickers import bulk_residents


@pytest.fixture
def long_register(app, admin_world):
    community = db.session.get(Community, admin_world.community_id)
    member(community, "coordinator", name="钱协调", email="coord@liuyin.example")
    cook = member(community, "unit", name="张师傅", email="cook@liuyin.example")
    bulk_residents(community, 240)
    with tenant_context(community.id):
        canteen_lunch(cook)
        zhang = residents.create_resident({"name": "张三丰", "phone": "13912345678", "building": "7", "room": "301"},
                                          actor_id=None)
        db.session.commit()
        ids = {"zhang": zhang.id, "day": (clock.today() + timedelta(days=3)).isoformat()}
    settle()
    return ids


def test_keyboard_only_the_kind_then_the_resident_by_pinyin_initials(page, admin_world, long_register):
    log_in(page, "coord@liuyin.example")
    page.goto(f"/c/{admin_world.slug}/needs/new")
    # The kind comes first: arrow keys in the radio group, Enter to go on.
    page.get_by_role("radio", name=T("Meals (助餐)", "助餐")).focus()
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"kind=meal"))
    expect(page.get_by_label(T("Day"))).to_be_visible()
    expect(page.get_by_label(T("From"))).to_be_hidden()

    page.get_by_label(T("In a few words")).focus()
    page.keyboard.type("午饭送到家")
    box = page.get_by_role("combobox", name=T("For which resident"))
    box.focus()
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox_id = box.get_attribute("aria-controls")
    page.keyboard.type("zsf")
    listbox = page.locator(f"#{listbox_id}")
    expect(listbox).to_have_attribute("role", "listbox")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(listbox.get_by_role("option").first).to_contain_text("张三丰")
    status = page.locator("[data-picker=resident_id] .picker-live")
    expect(status).to_have_text(T("1 match. Use the arrow keys to choose."))
    page.keyboard.press("ArrowDown")
    option = listbox.get_by_role("option").first
    expect(option).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    page.keyboard.press("Enter")  # chooses; does not send the form
    expect(box).to_have_value("张三丰")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[type=hidden][name=resident_id]")).to_have_value(str(long_register["zhang"]))

    # Escape closes a list without choosing.
    unit_box = page.get_by_role("combobox", name=T("For which unit"))
    unit_box.focus()
    page.keyboard.type("jh")
    expect(unit_box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(unit_box).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Escape")  # a second Escape empties the search
    expect(unit_box).to_have_value("")

    page.get_by_label(T("Day")).fill(long_register["day"])
    page.get_by_label(T("In a few words")).focus()
    page.keyboard.press("Enter")  # Enter in a field registers the need
    expect(page.get_by_role("heading", level=1)).to_contain_text("午饭送到家")
    expect(page.get_by_role("main")).to_contain_text("张三丰")


def test_without_javascript_the_picker_is_a_search_with_choices(new_context, admin_world, long_register):
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "coord@liuyin.example")
    page.goto(f"/c/{admin_world.slug}/needs/new?kind=meal")
    page.get_by_label(T("In a few words")).fill("午饭送到家")
    page.get_by_label(T("For which resident")).fill("5678")
    page.locator("[data-picker=resident_id]").get_by_role("button", name=T("Search")).click()
    expect(page.get_by_label(T("In a few words"))).to_have_value("午饭送到家")  # what was typed stays
    page.get_by_role("radio", name=re.compile("张三丰")).check()
    page.get_by_label(T("Day")).fill(long_register["day"])
    page.get_by_role("button", name=T("Register")).last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("午饭送到家")
    expect(page.get_by_role("main")).to_contain_text("张三丰")


def test_the_need_form_and_the_open_picker_fit_a_phone_in_large_text(new_context, admin_world, long_register):
    phone = new_context(**PHONE).new_page()
    log_in(phone, "coord@liuyin.example")
    phone.goto(f"/c/{admin_world.slug}/needs/new?kind=legal")
    phone.get_by_role("button", name=T("Large text")).click()
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    no_sideways_scroll(phone, "need form (window) in large text")
    phone.get_by_role("combobox", name=T("For which resident")).fill("z")
    expect(phone.get_by_role("listbox").get_by_role("option").first).to_be_visible()
    no_sideways_scroll(phone, "need form with the picker open in large text")
    phone.goto(f"/c/{admin_world.slug}/needs/new?kind=meal")
    no_sideways_scroll(phone, "need form (meal) in large text")
