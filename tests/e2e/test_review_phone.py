"""Journey: a council member on a phone opens the year's review, sees the unit with nothing this year flagged,
is told beside the field that a drop needs a reason, keeps the others at once and closes the review — no page
scrolls sideways."""
import re

from playwright.sync_api import expect

from app.core.extensions import db
from app.units import services as units
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, open_menu, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import member


def test_council_runs_the_yearly_review_on_a_phone(new_context, admin_world, app, clock):
    clock(2026, 12, 1, 9)
    with tenant_context(admin_world.community_id):
        from tenants.models import Community

        community = db.session.get(Community, admin_world.community_id)
        for name in ("柳荫小学", "京华物业公司", "安静科技有限责任公司"):
            units.create_unit({"name": name, "type": "shop"})
        db.session.commit()
    member(community, "council", name="孙理事", email="council@liuyin.example")
    settle()
    phone = new_context(**PHONE).new_page()
    log_in(phone, "council@liuyin.example")
    due = T("The yearly review of %(year)s is due and not opened yet.", year="2026")
    expect(phone.get_by_text(due)).to_be_visible()  # the council's home says it
    open_menu(phone)
    phone.get_by_role("navigation", name=T("Community menu")).get_by_role("link", name=T("Yearly review")).tap()
    phone.get_by_role("button", name=T("Open the review")).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(T("Yearly review %(year)s", year="2026", exact=False))
    expect(phone.get_by_text(T("No contribution this year")).first).to_be_visible()
    no_sideways_scroll(phone, "review open")

    card = phone.locator("li.review-unit", has_text="安静科技有限责任公司")
    card.get_by_label(T("Drop (withdraw the unit)")).check()
    card.get_by_role("button", name=T("Save the decision")).tap()
    card = phone.locator("li.review-unit", has_text="安静科技有限责任公司")
    expect(card.get_by_label(T("Reason (required to warn or drop)"))).to_have_attribute("aria-invalid", "true")
    expect(card.locator(".field-errors")).to_contain_text(T("Say why: the unit's representatives will read it."))
    no_sideways_scroll(phone, "review with an error")
    shoot(phone, "review-error")
    card.get_by_label(T("Reason (required to warn or drop)")).fill("全年未参加任何服务")
    card.get_by_role("button", name=T("Save the decision")).tap()
    expect(phone.locator("li.review-unit", has_text="安静科技有限责任公司")).to_contain_text(T("Dropped", exact=False))
    # Nothing was served this year by any of them: each is decided by a person.
    for name in ("柳荫小学", "京华物业公司"):
        card = phone.locator("li.review-unit", has_text=name)
        card.get_by_label(T("Keep"), exact=True).check()
        card.get_by_role("button", name=T("Save the decision")).tap()
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name=T("Close the review")).tap()
    expect(phone.get_by_text(re.compile(T("The review of %(year)s is closed; its decisions have taken effect.",
                                          year="2026").pattern))).to_be_visible()
    no_sideways_scroll(phone, "review closed")
    shoot(phone, "review-closed")
