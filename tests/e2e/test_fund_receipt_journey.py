"""Journey: the property company's representative, on a phone, finds the receipt of the company's donation on
their home, opens it and downloads the PDF (its number and the amount in capitals read back); a visitor reads the
fund's public page on a phone — the company named, the anonymous gift unnamed — and nothing scrolls sideways."""
from playwright.sync_api import expect

from app.core.extensions import db
from app.fund import ledger
from app.fund import services as fund
from app.units import services as units
from tenants.context import tenant_context
from tenants.models import Community
from tests.e2e.conftest import T, log_in, settle
from tests.e2e.test_phone import PHONE, no_sideways_scroll, shoot
from tests.factories import member
from tests.pdfs import text_of


def test_a_donor_unit_downloads_its_receipt_and_a_visitor_reads_the_public_page(new_context, admin_world, app,
                                                                                 clock):
    clock(2026, 12, 1, 9)
    community = db.session.get(Community, admin_world.community_id)
    boss = member(community, "unit", name="物业经理", email="boss@liuyin.example")
    with tenant_context(admin_world.community_id):
        company = units.create_unit({"name": "京华物业公司", "type": "shop"})
        units.add_representative(company, boss.id)
        public = ledger.accounts()["public"].id
        gift = fund.record_donation(donor_kind="unit", unit_id=company.id, amount_fen=5000_00, account_id=public)
        fund.record_donation(donor_kind="person", donor_name="林女士", anonymous=True, amount_fen=200_00,
                             account_id=public)
        number = gift.receipt_no
    settle()

    phone = new_context(**PHONE).new_page()
    log_in(phone, "boss@liuyin.example")
    phone.get_by_role("link", name=T("Receipt %(number)s", number=number)).tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(number)
    no_sideways_scroll(phone, "donation")
    link = phone.get_by_role("link", name=T("Download the receipt (PDF)"))
    answer = phone.request.get(link.get_attribute("href"))
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    text = text_of(answer.body())
    assert number in text and "伍仟元整" in text and "柳荫社区" in text
    shoot(phone, "fund-donation")

    visitor = new_context(**PHONE).new_page()
    visitor.goto("/c/liuyin/transparency")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("柳荫社区")
    expect(visitor.get_by_text("京华物业公司").first).to_be_visible()
    expect(visitor.get_by_text(T("Anonymous donation")).first).to_be_visible()
    assert "林女士" not in visitor.content()
    no_sideways_scroll(visitor, "transparency")
    shoot(visitor, "fund-transparency")
