"""An elderly representative votes on a 360-px phone in large text, with the keyboard only: the question is the
fieldset's legend, the answers are large labelled radio cards, a missing answer is told beside them, the vote is
confirmed, and after closing the result is announced (aria-live) with who voted what."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.ballots import services as ballots
from app.core.extensions import db
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import CommunityFactory, member

TZ = ZoneInfo("Asia/Shanghai")


def test_a_representative_votes_with_the_keyboard_on_a_phone(new_context, app):
    community = CommunityFactory(slug="yiyuan", name="颐园社区")
    member(community, "admin", "coordinator", name="陈协调", email="staff@yiyuan.example")
    member(community, "representative", name="李奶奶", email="li@yiyuan.example")
    with tenant_context(community.id):
        ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                body="活动室周六上午开放，由志愿者值守。",
                                closes_at=datetime(2030, 12, 8, 18, tzinfo=TZ), actor_id=None,
                                electorate={"roles": ["representative"]})
        db.session.commit()
        url, ballot_id, community_id = f"/c/yiyuan/ballots/{ballot.id}", ballot.id, community.id
    settle()

    phone = new_context(**PHONE).new_page()
    log_in(phone, "li@yiyuan.example")
    phone.evaluate("document.documentElement.classList.add('text-large')")
    phone.goto(url)
    expect(phone.get_by_text(T("%(quorum)s; %(rule)s.", exact=False))).to_be_visible()
    answers = phone.get_by_role("group", name="是否同意周六开放活动室？")
    expect(answers.get_by_role("radio")).to_have_count(3)
    no_sideways_scroll(phone, "ballot page")

    # Keyboard only: submitting without an answer is told beside the answers.
    phone.get_by_role("button", name=T("Cast my vote")).focus()
    phone.keyboard.press("Enter")
    expect(phone.locator("#choices-error")).to_be_visible()
    expect(answers).to_have_attribute("aria-invalid", "true")
    yes = phone.get_by_role("radio", name=T("Yes, I agree"))
    yes.focus()
    phone.keyboard.press("Space")
    expect(yes).to_be_checked()
    phone.get_by_role("button", name=T("Cast my vote")).focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name=T("You have voted"))).to_be_visible()
    expect(phone.locator(".ballot-vote strong")).to_have_text(re.compile("^(赞成|In favour)$"))
    no_sideways_scroll(phone, "ballot page after voting")
    shoot(phone, "ballot-voted")

    with tenant_context(community_id):
        ballots.close(ballots.get(ballot_id))
        db.session.commit()
    settle()
    phone.reload()
    result = phone.locator("section[aria-live='polite']")
    expect(result.get_by_role("heading", level=2)).to_contain_text(T("Approved", exact=False))
    expect(result).to_contain_text("李奶奶")
    no_sideways_scroll(phone, "ballot result")


def test_the_ballot_form_has_large_controls_and_shows_the_options_only_for_a_list(new_context, app):
    community = CommunityFactory(slug="yiyuan2", name="颐园社区")
    member(community, "admin", "coordinator", name="钱佳", email="qian@yiyuan2.example")
    settle()
    for large in (False, True):
        phone = new_context(**PHONE).new_page()
        log_in(phone, "qian@yiyuan2.example")
        if large:
            phone.evaluate("document.documentElement.classList.add('text-large')")
        phone.goto("/c/yiyuan2/ballots/new")
        if large:
            phone.evaluate("document.documentElement.classList.add('text-large')")
        controls = phone.locator(".ballot-form label.check input")
        assert controls.count() >= 6
        for i in range(controls.count()):
            box = controls.nth(i).bounding_box()
            assert box["width"] >= 24 and box["height"] >= 24, (large, i, box)
        options = phone.locator("textarea[name='options']")
        expect(options).to_be_hidden()  # 赞成/反对/弃权 is chosen
        expect(phone.locator("input[name='max_choices']")).to_be_hidden()
        expect(phone.locator(".no-script")).to_have_count(0)  # the hint is for pages without script
        phone.locator("input[name='kind'][value='choice']").check()
        expect(options).to_be_visible()
        phone.locator("input[name='kind'][value='yes_no']").check()
        expect(options).to_be_hidden()
        no_sideways_scroll(phone, "ballot form")
        phone.close()
