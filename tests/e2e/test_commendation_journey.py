"""The council runs a commendation to its honour roll, on the office PC (1280 px; JOURNEYS.md: council, coordinator,
visitor).

The chair opens 评优表彰 from the community menu, creates this year's 优秀会员单位 with one award, sets the formula
(offers published × 2), opens the campaign, freezes the evidence and reads the scores table, nominates two units
with their citations, opens the ballot and casts her vote on the ballot's page. The other voters vote; after the
close the coordinator announces the result; a visitor reads the honour roll without logging in, and the campaign's
page reads at 360 px too. The community clock is frozen (the live server shares it).
"""
import re

from playwright.sync_api import expect

from app.ballots import services as ballots
from app.commendations import services as commendations
from app.core.extensions import db
from app.offers import services as offers
from app.units import services as units
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import LUNCH, CommunityFactory, member

DESK = {"viewport": {"width": 1280, "height": 900}}


def test_the_council_runs_a_commendation_to_its_honour_roll_on_a_pc(new_context, live_server, clock, drain):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    member(community, "coordinator", name="陈协调", email="coord@liuyin.example")
    member(community, "council", name="刘书记", email="chair@liuyin.example")
    others = [member(community, "council", name="赵理事"), member(community, "representative", name="李代表")]
    with tenant_context(community.id):
        canteen = units.create_unit({"name": "京华物业食堂", "type": "property_company"})
        units.create_unit({"name": "柳荫小学", "type": "school"})
        units.create_unit({"name": "安静便利店", "type": "shop"})
        for i in range(3):
            offers.create_offer({"unit_id": str(canteen.id), **LUNCH, "title": f"助餐午饭{i}"})
        db.session.commit()
        community_id, canteen_id = community.id, canteen.id
    voter_ids = [u.id for u in others]
    settle()

    pc = new_context(**DESK).new_page()
    log_in(pc, "chair@liuyin.example")
    pc.get_by_role("navigation", name=T("Community menu")).first.get_by_role("link", name=T("Commendations")).click()
    expect(pc.get_by_role("heading", level=1)).to_have_text(T("Commendations"))
    pc.get_by_role("link", name=T("New campaign")).click()
    pc.get_by_label(T("Award")).fill("优秀会员单位")
    pc.get_by_label(T("Number of awards")).fill("1")
    pc.get_by_label(T("Choices per voter")).fill("1")
    pc.get_by_role("button", name=T("Create")).click()

    # The formula: offers published count twice; the page says it in words and numbers.
    expect(pc.get_by_role("heading", level=1)).to_have_text(T("Formula of %(title)s", title="2026 优秀会员单位"))
    for label in ("Services delivered", "Average rating", "Meals served", "Venue hours lent", "Activities organised",
                  "Activities co-organised", "People at activities"):
        pc.get_by_label(T(label)).fill("0")
    pc.get_by_label(T("Offers published")).fill("2")
    pc.get_by_role("button", name=T("Save the formula")).click()
    expect(pc.locator(".formula").first).to_contain_text("2 ×")
    pc.get_by_role("button", name=T("Open the campaign")).click()
    pc.get_by_role("button", name=T("Freeze the evidence and score")).click()
    table = pc.locator("table.scores-table")
    expect(table.locator("tbody tr").first).to_contain_text("京华物业食堂")
    expect(table.locator("tbody tr").first).to_contain_text("6")
    shoot(pc, "commendation-scores-pc")

    # Two nominations with their citations.
    nominations = (("京华物业食堂", "坚持为老人助餐，全年发布三项服务"), ("柳荫小学", "出借礼堂，支持社区活动"))
    for unit, citation in nominations:
        pc.get_by_role("link", name=T("Nominate a unit")).click()
        value = pc.locator("#unit_id option", has_text=unit).get_attribute("value")
        pc.get_by_label(T("Unit")).select_option(value=value)
        pc.get_by_label(T("Citation")).fill(citation)
        pc.get_by_role("button", name=T("Nominate")).click()
        expect(pc.locator("#nominations")).to_contain_text(citation)

    # The ballot: she opens it and votes on its page.
    pc.get_by_label(T("Days the ballot lasts")).fill("3")
    pc.get_by_role("button", name=T("Open the ballot")).click()
    expect(pc).to_have_url(re.compile(r"/c/liuyin/ballots/\d+$"))
    pc.get_by_role("radio", name="京华物业食堂").check()
    pc.get_by_role("button", name=T("Cast my vote")).click()
    with tenant_context(community_id):
        campaign = commendations.page_campaigns()[0][0]
        ballot = ballots.get(campaign.ballot_id)
        keys = {n.unit_id: n.option_key for n in commendations.nominations(campaign)}
        for voter_id in voter_ids:
            ballots.vote(ballot, voter_id, [keys[canteen_id]])
        db.session.commit()
        campaign_id = campaign.id
    settle()

    # After the close the coordinator announces it.
    clock(2026, 12, 4, 11)
    office = new_context(**DESK).new_page()
    log_in(office, "coord@liuyin.example")
    office.goto(f"/c/liuyin/commendations/{campaign_id}")
    expect(office.locator("#results")).to_contain_text("京华物业食堂")
    office.get_by_role("button", name=T("Announce the results")).click()
    expect(office.locator("#awards")).to_contain_text("京华物业食堂")
    expect(office.get_by_role("link", name=T("Certificate (PDF)"))).to_be_visible()
    shoot(office, "commendation-announced-pc")

    # A visitor reads the honour roll from the association's page, without logging in.
    visitor = new_context(**DESK).new_page()
    visitor.goto("/c/liuyin/about")
    visitor.get_by_role("navigation", name=T("The association")).get_by_role("link", name=T("Honour roll")).click()
    heading = T("Honour roll of %(community)s", community="柳荫社区")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(heading)
    expect(visitor.locator(".honour-list")).to_contain_text("京华物业食堂")
    expect(visitor.locator(".honour-list")).to_contain_text("坚持为老人助餐")
    expect(visitor.locator("body")).not_to_contain_text("刘书记")

    phone = new_context(**PHONE).new_page()
    log_in(phone, "coord@liuyin.example")
    phone.goto(f"/c/liuyin/commendations/{campaign_id}")
    no_sideways_scroll(phone, "the campaign's page")
    phone.goto("/c/liuyin/honours")
    no_sideways_scroll(phone, "the honour roll")
    drain()
