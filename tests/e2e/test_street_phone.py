"""Journey: the street office's viewer compares the street's communities on a phone (360 px, large text) — each
community a card of labelled figures, a small sensitive count shown as "<5", another year picked — and never
scrolls sideways."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.streets_world import RESIDENT_NAME, make_world, street_part


def test_the_street_viewer_compares_communities_on_a_phone(app, new_context):
    with street_part():
        world = make_world()
        world.viewer.large_text = True
        login = world.viewer.email
        settle()
        phone = new_context(**PHONE).new_page()
        log_in(phone, login)
        expect(phone).to_have_url(re.compile(r"/s/heping/$"))  # one street: the home page sends them there
        expect(phone.locator("html")).to_have_class(re.compile("text-large"))
        expect(phone.get_by_role("heading", level=1)).to_have_text("和平街道")
        expect(phone.get_by_role("navigation", name=T("Street office"))).to_be_visible()
        rows = phone.locator(".street-compare tbody tr")
        expect(rows).to_have_count(2)
        east = rows.filter(has_text="东园社区")
        expect(east.locator("td.suppressed")).to_have_text("<5")
        expect(rows.filter(has_text="=1+1").locator("td", has_text=re.compile(r"^6 people$"))).to_have_count(1)
        # A card per community on the phone: the labels stand beside the figures, one under the other.
        box = east.bounding_box()
        assert box["width"] <= 360, box
        no_sideways_scroll(phone, "street comparison")
        assert RESIDENT_NAME not in phone.content()
        shoot(phone, "street-compare")

        phone.get_by_label(T("Year")).select_option("2025")
        phone.get_by_role("button", name=T("Show")).tap()
        expect(phone).to_have_url(re.compile(r"year=2025"))
        expect(rows.filter(has_text="东园社区").locator("td.figure").last).to_have_text("2025")
        # Nothing submitted for a year that is over: the report is missing.
        expect(rows.filter(has_text="东园社区").locator("td.street-report .badge")).to_have_text(T("Missing"))
        expect(phone.get_by_role("link", name=T("Download as a spreadsheet (XLSX)"))).to_have_attribute(
            "href", re.compile(r"/s/heping/export.xlsx\?year=2025"))
        no_sideways_scroll(phone, "street comparison, 2025")
