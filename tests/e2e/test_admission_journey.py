"""Journey on 360-px phones: a shop applies from the association's public page, a council member reviews it and
opens the vote, two resident representatives vote (one with the keyboard only), the ballot closes, and the
shop's contact logs in as the representative of its new member unit."""
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.ballots import services as ballots
from app.core.extensions import db
from app.units.models import Unit
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, open_menu, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import CommunityFactory, member

SHOP, CODE, MOBILE = "巧手裁缝铺", "91350100M000100Y43", "13712345678"


def test_a_shop_applies_the_council_reviews_representatives_vote_and_the_shop_joins(new_context, clock):
    now = clock(2026, 12, 1, 9)
    community = CommunityFactory(slug="demo", name="L社区")
    community_id = community.id
    member(community, "council", name="赵国华", email="council@demo.example")
    member(community, "representative", "resident", name="孙桂兰", email="sun@demo.example")
    member(community, "representative", "resident", name="钱大爷", email="qian@demo.example")
    settle()

    # The shop's owner, on her phone, from the association's page to the form.
    shop = new_context(**PHONE).new_page()
    shop.goto("/c/demo/about")
    expect(shop.get_by_role("heading", level=1)).to_contain_text("L社区")
    shop.get_by_role("link", name=T("Apply to join")).tap()
    expect(shop).to_have_url(re.compile(r"/c/demo/join$"))
    no_sideways_scroll(shop, "application form")
    shop.get_by_label(T("Unit name")).fill(SHOP)
    shop.get_by_label(T("Kind of unit")).select_option(value="shop")
    shop.get_by_label(T("Unified social credit code")).fill("91350100M000100Y44")  # one character off
    shop.get_by_label(T("Address")).fill("L社区3号楼底商5号")
    shop.get_by_label(T("Full name")).fill("李巧")
    shop.get_by_label(T("Mobile number")).fill(MOBILE)
    shop.get_by_label(T("Choose a password")).fill("qiaoshou-2026")
    shop.get_by_label(T("Why the unit wants to join")).fill("愿为社区老人免费缝补衣物。")
    shop.get_by_label(T("I agree that the association uses these data as described above.")).check()
    shop.get_by_role("button", name=T("Send the application")).tap()
    credit = shop.get_by_label(T("Unified social credit code"))
    expect(credit).to_have_attribute("aria-invalid", "true")  # the check digit is told beside its field
    credit.fill(CODE.lower())  # lower case is accepted
    shop.get_by_label(T("Choose a password")).fill("qiaoshou-2026")
    shop.get_by_label(T("I agree that the association uses these data as described above.")).check()
    shop.get_by_role("button", name=T("Send the application")).tap()
    expect(shop.get_by_role("heading", name=T("Application received"))).to_be_visible()
    shoot(shop, "application-received")

    # The council member, also on a phone: Applications → the shop → take it → open the vote.
    councillor = new_context(**PHONE).new_page()
    log_in(councillor, "council@demo.example")
    open_menu(councillor)
    councillor.get_by_role("navigation", name=T("Community menu")).get_by_role(
        "link", name=T("Applications")).tap()
    councillor.get_by_role("link", name=re.compile(SHOP)).first.tap()
    expect(councillor.get_by_text(CODE)).to_be_visible()  # stored upper case
    councillor.get_by_role("button", name=T("Take it: I review this application")).tap()
    councillor.once("dialog", lambda dialog: dialog.accept())  # "open the vote of the council and …?"
    councillor.get_by_role("button", name=T("Open the vote")).tap()
    councillor.get_by_role("link", name=T("The vote on this application")).tap()
    expect(councillor).to_have_url(re.compile(r"/ballots/\d+$"))
    ballot_url = councillor.url

    # 孙桂兰 votes by tapping; the rules are said plainly, and no result shows before the close.
    sun = new_context(**PHONE).new_page()
    log_in(sun, "sun@demo.example")
    sun.goto(ballot_url)
    expect(sun.get_by_role("heading", name=T("How it is decided"))).to_be_visible()
    expect(sun.get_by_role("heading", name=T("Result", exact=False))).to_have_count(0)
    answers = sun.get_by_role("group", name=re.compile(SHOP))  # the question is the fieldset's legend
    expect(answers.get_by_role("radio")).to_have_count(3)
    answers.get_by_role("radio", name=re.compile("^赞成|^Yes")).check()
    sun.get_by_role("button", name=T("Cast my vote")).tap()
    expect(sun.get_by_role("heading", name=T("You have voted"))).to_be_visible()
    no_sideways_scroll(sun, "ballot after voting")
    shoot(sun, "ballot-voted")

    # 钱大爷 uses only the keyboard: Tab to the answers, arrow to his choice, Tab to the button, Enter.
    qian = new_context(**PHONE).new_page()
    log_in(qian, "qian@demo.example")
    qian.goto(ballot_url)
    first_answer = qian.get_by_role("radio").first
    for _ in range(60):
        qian.keyboard.press("Tab")
        if first_answer.evaluate("el => el === document.activeElement"):
            break
    else:
        raise AssertionError("the answers cannot be reached with Tab")
    qian.keyboard.press("Space")
    expect(first_answer).to_be_checked()
    qian.keyboard.press("Tab")
    expect(qian.get_by_role("button", name=T("Cast my vote"))).to_be_focused()
    qian.keyboard.press("Enter")
    expect(qian.get_by_role("heading", name=T("You have voted"))).to_be_visible()

    # The vote closes (a week later, by the periodic job); the result is shown with its quorum.
    with tenant_context(community_id):
        assert ballots.run_due(now + timedelta(days=8))["closed"] == 1
        db.session.commit()
    settle()
    sun.reload()
    expect(sun.get_by_role("heading", name=T("Result", exact=False))).to_be_visible()
    with tenant_context(community_id):
        unit = db.session.execute(select(Unit).where(Unit.name == SHOP)).scalar_one()
        assert unit.status == "active" and unit.joined_on is not None
        unit_id = unit.id
    settle()

    # The shop's contact logs in with her mobile and is her unit's representative.
    log_in(shop, MOBILE, "qiaoshou-2026")
    expect(shop.get_by_text(SHOP).first).to_be_visible()
    shop.goto(f"/c/demo/units/{unit_id}")
    expect(shop.get_by_role("heading", level=1)).to_contain_text(SHOP)
    expect(shop.get_by_role("link", name=T("Edit"))).to_be_visible()  # her own unit: she may edit it
    shoot(shop, "new-unit-representative")
