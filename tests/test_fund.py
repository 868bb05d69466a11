"""The fund as people use it: income and donations with receipts (the amount in capitals, read back from the PDF),
expenses proposed by one member and approved by another (never themself), the council's ballot above the
threshold, a payment made once and a refund; money typed in yuan; the public transparency page with no resident
and no anonymous donor; the statement's XLSX escaping; the API's errors."""
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import yearbook
from app.ballots import services as ballots
from app.contributions import services as contributions
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.fund import contributions as fund_contributions
from app.fund import ledger
from app.fund import services as fund
from app.fund.words import capital
from app.notifications.models import OutboxEvent
from app.residents import services as residents
from app.units import services as unit_services
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, browser_for, image_bytes, member, token_for
from tests.pdfs import text_of

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def town(app, clock):
    clock(2026, 11, 30, 10)
    community = CommunityFactory(slug="town", name="柳荫社区")
    chen = member(community, "admin", "coordinator", name="陈晓燕")
    li = member(community, "coordinator", name="李建国")
    boss = member(community, "unit", name="物业经理")
    council = [member(community, "council", name=f"理事{i}") for i in range(3)]
    with tenant_context(community.id):
        company = UnitFactory(name="柳荫物业公司", type="company")
        db.session.flush()
        unit_services.add_representative(company, boss.id)
        resident = residents.create_resident({"name": "王秀英", "phone": "13800001111"}, actor_id=chen.id)
        accounts = ledger.accounts()
        db.session.commit()
        yield {"community": community, "chen": chen, "li": li, "boss": boss, "council": council,
               "company": company.id, "resident": resident.name, "public": accounts["public"].id,
               "meals": accounts["meals"].id}


def _events(name):
    return db.session.execute(select(OutboxEvent).where(OutboxEvent.event == name)).scalars().all()


def _fill(town):
    fund.record_income(source="government", account_id=town["public"], amount_fen=20000_00,
                       received_on=date(2026, 3, 1), payer="T街道办事处", memo="2026年社区服务经费",
                       actor_id=town["chen"].id)
    gift = fund.record_donation(donor_kind="unit", unit_id=town["company"], amount_fen=5000_00,
                                account_id=town["public"], received_on=date(2026, 4, 8), actor_id=town["chen"].id)
    secret = fund.record_donation(donor_kind="person", donor_name="赵慈善", anonymous=True, amount_fen=1234_56,
                                  account_id=town["public"], received_on=date(2026, 5, 1), actor_id=town["chen"].id)
    return gift, secret


# --- expenses: decided by another, paid once, refunded ------------------------------------------

def test_an_expense_goes_from_proposal_to_payment_and_refund_told_at_each_step(town):
    with tenant_context(town["community"].id):
        _fill(town)
        expense = fund.propose_expense(account_id=town["public"], category="activity", purpose="庙会舞台搭建",
                                       payee="文化站", amount_fen=1800_00, actor_id=town["chen"].id)
        assert expense.status == "proposed"
        waiting = _events("fund.expense_waiting")
        assert waiting and waiting[0].audience == {"user_ids": [town["li"].id]}  # the other staff, not the proposer
        with pytest.raises(Conflict) as refused:
            fund.approve_expense(expense, actor_id=town["chen"].id)
        assert refused.value.code == "self_approval"
        fund.approve_expense(expense, actor_id=town["li"].id)
        assert expense.status == "approved" and expense.decided_by_id == town["li"].id
        before = ledger.balances()[town["public"]]
        fund.pay_expense(expense, actor_id=town["li"].id)
        assert expense.status == "paid" and ledger.balances()[town["public"]] == before - 1800_00
        with pytest.raises(Conflict) as again:
            fund.pay_expense(expense, actor_id=town["chen"].id)
        assert again.value.code == "not_payable"
        fund.refund_expense(expense, actor_id=town["chen"].id, reason="活动取消，文化站退款")
        assert expense.status == "refunded" and ledger.balances()[town["public"]] == before
        assert [e.payload.get("paid") or e.payload.get("approved") for e in _events("fund.expense_decided")] == \
            [True, True]
        db.session.commit()


def test_an_expense_above_the_threshold_goes_to_the_council_ballot_and_its_result_decides(town, clock):
    with tenant_context(town["community"].id):
        _fill(town)
        big = fund.propose_expense(account_id=town["public"], category="award", purpose="年度优秀单位奖励",
                                   payee="获奖单位", amount_fen=3000_00, actor_id=town["chen"].id)
        small = fund.propose_expense(account_id=town["public"], category="relief", purpose="重阳节慰问品",
                                     payee="超市", amount_fen=2000_00, actor_id=town["chen"].id)
        assert big.status == "voting" and big.ballot_id and small.status == "proposed"  # 2000 yuan is not above
        with pytest.raises(Conflict):
            fund.approve_expense(big, actor_id=town["li"].id)
        ballot = ballots.get(big.ballot_id)
        assert ballot.subject_type == "expense"
        for voter in town["council"]:
            ballots.vote(ballot, voter.id, ["yes"])
        db.session.commit()
        ballots.close(ballot, now=datetime.now(TZ) + timedelta(days=6))
        db.session.refresh(big)
        assert big.status == "approved"
        no = fund.propose_expense(account_id=town["public"], category="office", purpose="新打印机",
                                  payee="电脑城", amount_fen=4000_00, actor_id=town["li"].id)
        vote = ballots.get(no.ballot_id)
        for voter in town["council"]:
            ballots.vote(vote, voter.id, ["no"])
        ballots.close(vote, now=datetime.now(TZ) + timedelta(days=6))
        db.session.refresh(no)
        assert no.status == "rejected"
        db.session.commit()


def test_an_expense_needs_a_fund_with_the_money_and_a_known_link(town):
    with tenant_context(town["community"].id):
        expense = fund.propose_expense(account_id=town["meals"], category="meals", purpose="助餐补贴",
                                       payee="长者食堂", amount_fen=500_00, actor_id=town["chen"].id)
        fund.approve_expense(expense, actor_id=town["li"].id)
        db.session.commit()
        with pytest.raises(Conflict) as poor:
            fund.pay_expense(expense, actor_id=town["li"].id)
        db.session.rollback()  # as the request's unit of work does: nothing changed
        assert poor.value.code == "insufficient" and fund.get_expense(expense.id).status == "approved"
        with pytest.raises(ValidationFailed) as refused:
            fund.propose_expense(account_id=town["public"], category="activity", purpose="讲座", payee="讲师",
                                 amount_fen=100_00, link_type="activity", link_id=999, actor_id=town["chen"].id)
        assert "link_id" in refused.value.fields


# --- donations, receipts, the record ------------------------------------------------------------

def test_a_donation_receipt_says_the_community_the_number_and_the_amount_in_capitals(app, town):
    with tenant_context(town["community"].id):
        gift, secret = _fill(town)
        db.session.commit()
        assert gift.receipt_no == "JZ2026-0001" and secret.receipt_no == "JZ2026-0002"
        told = _events("fund.receipt_ready")
        assert len(told) == 1 and told[0].audience == {"user_ids": [town["boss"].id]}
        gift_id, secret_id = gift.id, secret.id
    boss = browser_for(app, town["boss"])
    response = boss.get(f"/c/town/fund/donations/{gift_id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.get_data())
    for expected in ("柳荫社区", "JZ2026-0001", "柳荫物业公司", "5,000.00", capital(5000_00), "伍仟元整"):
        assert expected in text, expected
    assert boss.get(f"/c/town/fund/donations/{secret_id}/receipt.pdf").status_code == 403  # not their gift


def test_the_contribution_record_counts_a_units_standing_donations(town):
    with tenant_context(town["community"].id):
        gift, _secret = _fill(town)
        again = fund.record_donation(donor_kind="unit", unit_id=town["company"], amount_fen=100_00,
                                     account_id=town["public"], actor_id=town["chen"].id)
        fund.reverse_entry(ledger.get_transaction(again.transaction_id), reason="重复录入", actor_id=town["chen"].id)
        assert fund_contributions.donations(2026, None) == {town["company"]: 5000_00}
        assert fund_contributions.donations(2025, [town["company"]]) == {}
        assert contributions.record(2026, [town["company"]])[town["company"]].donations_fen == 5000_00


# --- money typed in yuan ------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["12.345", "-50", "0", "abc"])
def test_a_fraction_of_a_fen_a_negative_or_zero_amount_is_a_field_message(client, town, typed):
    headers = token_for(client, town["chen"])
    response = client.post("/api/v1/c/town/fund/donations", headers=headers, json={
        "donor_kind": "person", "donor_name": "王先生", "amount": typed, "account_id": str(town["public"])})
    assert response.status_code == 422
    assert "amount" in response.get_json()["error"]["fields"]
    with tenant_context(town["community"].id):
        assert fund.donations() == []


def test_the_api_records_approves_pays_and_refuses_a_second_payment(client, town):
    chen, li = token_for(client, town["chen"]), token_for(client, town["li"])
    base = "/api/v1/c/town/fund"
    assert client.post(f"{base}/income", headers=chen, json={
        "source": "government", "account_id": str(town["public"]), "amount": "20000", "payer": "T街道办事处"
    }).status_code == 201
    made = client.post(f"{base}/expenses", headers=chen, json={
        "account_id": str(town["public"]), "category": "activity", "purpose": "庙会音响租赁", "payee": "音响店",
        "amount": "860.50"})
    assert made.status_code == 201 and made.get_json()["amount_fen"] == 86050
    expense_id = made.get_json()["id"]
    own = client.post(f"{base}/expenses/{expense_id}/approve", headers=chen)
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "self_approval"
    assert client.post(f"{base}/expenses/{expense_id}/approve", headers=li).status_code == 200
    assert client.post(f"{base}/expenses/{expense_id}/pay", headers=li, json={}).get_json()["status"] == "paid"
    second = client.post(f"{base}/expenses/{expense_id}/pay", headers=chen, json={})
    assert second.status_code == 409 and second.get_json()["error"]["message"]
    balances = client.get(f"{base}/balances", headers=chen).get_json()
    assert balances["balance_fen"] == 20000_00 - 86050 and balances["spending_fen"]["activity"] == 86050
    page = client.get(f"{base}/transactions?limit=1", headers=chen).get_json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(f"{base}/transactions?limit=5&cursor={page['next_cursor']}", headers=chen).get_json()
    assert [t["kind"] for t in page["items"] + rest["items"]] == ["expense", "income"]
    assert all(sum(line["amount_fen"] for line in t["lines"]) == 0 for t in page["items"] + rest["items"])
    assert client.get(f"{base}/accounts", headers=token_for(client, town["boss"])).status_code == 403


# --- pages --------------------------------------------------------------------------------------

def test_the_staff_record_a_donation_and_propose_and_approve_an_expense_through_the_pages(app, town):
    chen, li = browser_for(app, town["chen"]), browser_for(app, town["li"])
    assert chen.get("/c/town/fund/").status_code == 200
    bad = chen.post("/c/town/fund/donations/new", data={"donor_kind": "person", "donor_name": "王先生",
                                                         "amount": "10.001", "account_id": str(town["public"])})
    assert bad.status_code == 422 and "两位小数" in bad.get_data(as_text=True)
    done = chen.post("/c/town/fund/donations/new", data={"donor_kind": "person", "donor_name": "王先生",
                                                          "amount": "3000", "account_id": str(town["public"])})
    assert done.status_code == 302
    made = chen.post("/c/town/fund/expenses/new", data={"purpose": "庙会横幅", "category": "activity",
                                                         "payee": "广告店", "amount": "120",
                                                         "account_id": str(town["public"])})
    assert made.status_code == 302
    url = made.headers["Location"]
    mine = chen.get(url).get_data(as_text=True)
    assert "另一位工作人员" in mine
    refused = chen.post(url + "/approve")
    assert refused.status_code == 302  # told on the expense's page
    assert "您提出了这笔支出" in chen.get(url).get_data(as_text=True)
    assert li.post(url + "/approve").status_code == 302
    assert li.post(url + "/pay").status_code == 302
    assert "已支付" in li.get(url).get_data(as_text=True)
    today = li.get("/c/town/today").get_data(as_text=True)
    assert "庙会横幅" not in today  # paid: nothing waits


# --- the public page and the statement ------------------------------------------------------------

def test_the_transparency_page_shows_the_money_and_no_resident_and_no_anonymous_donor(app, client, town):
    with tenant_context(town["community"].id):
        _fill(town)
        expense = fund.propose_expense(account_id=town["public"], category="relief", purpose="重阳节慰问老人",
                                       payee=town["resident"], amount_fen=300_00, actor_id=town["chen"].id)
        fund.approve_expense(expense, actor_id=town["li"].id)
        fund.pay_expense(expense, actor_id=town["li"].id)
        db.session.commit()
    page = client.get("/c/town/transparency")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("柳荫物业公司", "匿名捐赠", "重阳节慰问老人", "300.00", "5,000.00", "社区服务经费"):
        assert shown in text, shown
    assert "赵慈善" not in text  # the anonymous donor
    assert town["resident"] not in text  # the payee of a relief visit is a resident: never on the public page
    about = client.get("/c/town/about").get_data(as_text=True)
    assert "/c/town/transparency" in about


def test_the_statement_xlsx_keeps_formula_like_text_as_text(app, town):
    with tenant_context(town["community"].id):
        fund.record_income(source="other", account_id=town["public"], amount_fen=100_00, payer="=HYPERLINK(\"x\")",
                           memo="+1", actor_id=town["chen"].id)
        db.session.commit()
    chen = browser_for(app, town["chen"])
    response = chen.get("/c/town/fund/statement.xlsx?year=2026")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    cells = [c for row in book.worksheets[1].iter_rows() for c in row if c.value in ('=HYPERLINK("x")', "+1")]
    assert len(cells) == 4 and all(c.data_type == "s" and c.quotePrefix for c in cells)  # on each line
    statement = chen.get("/c/town/fund/statement.pdf?year=2026")
    assert "柳荫社区" in text_of(statement.get_data())


def test_capitals_are_written_as_on_a_voucher():
    assert capital(1234560) == "壹万贰仟叁佰肆拾伍元陆角整"
    assert capital(10005) == "壹佰元零伍分"
    assert capital(1000010000) == "壹仟万零壹佰元整"
    assert capital(0) == "零元整"



def test_a_unit_sees_its_receipts_at_home_and_the_council_the_expenses_it_votes_on(app, town):
    with tenant_context(town["community"].id):
        gift, _secret = _fill(town)
        fund.propose_expense(account_id=town["public"], category="award", purpose="年度优秀单位奖励",
                             payee="获奖单位", amount_fen=3000_00, actor_id=town["chen"].id)
        db.session.commit()
        receipt_no = gift.receipt_no
    unit_home = browser_for(app, town["boss"]).get("/c/town/", follow_redirects=True).get_data(as_text=True)
    assert receipt_no in unit_home and "赵慈善" not in unit_home
    council_home = browser_for(app, town["council"][0]).get("/c/town/", follow_redirects=True).get_data(as_text=True)
    assert "年度优秀单位奖励" in council_home


def test_an_expense_receipt_photo_is_seen_by_the_staff_and_the_council_only(app, town, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    chen = browser_for(app, town["chen"])
    with tenant_context(town["community"].id):
        _fill(town)
        expense = fund.propose_expense(account_id=town["public"], category="office", purpose="打印纸",
                                       payee="文具店", amount_fen=80_00, actor_id=town["chen"].id)
        db.session.commit()
        expense_id = expense.id
    sent = chen.post(f"/c/town/fund/expenses/{expense_id}/photos", content_type="multipart/form-data",
                     data={"photo-0": (io.BytesIO(image_bytes()), "receipt.png"), "alt-0": "文具店发票"})
    assert sent.status_code == 302
    page = chen.get(f"/c/town/fund/expenses/{expense_id}").get_data(as_text=True)
    assert "文具店发票" in page
    photo_url = page.split('href="/c/town/photos/')[1].split('"')[0]
    assert browser_for(app, town["council"][0]).get(f"/c/town/photos/{photo_url}").status_code == 200
    assert browser_for(app, town["boss"]).get(f"/c/town/photos/{photo_url}").status_code == 404


def test_the_fund_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/c/{slug}/fund/accounts", "/api/v1/c/{slug}/fund/transactions",
                 "/api/v1/c/{slug}/fund/expenses/{expense_id}/pay", "/api/v1/c/{slug}/fund/statement.xlsx"):
        assert path in paths, path


def test_the_yearbook_part_gives_the_years_income_spending_balance_and_the_monthly_chart(town):
    with tenant_context(town["community"].id):
        _fill(town)
        part = yearbook.parts(2026, {"fund"})[0]
        assert part.figure("fund_income").value == 20000 + 5000 + 1234.56
        assert part.figure("fund_balance").street and part.figure("fund_spending").value == 0
        assert part.charts[0].series[0].values[2] == 20000  # March: the street's allocation
        assert yearbook.parts(2025, {"fund"}) == []  # nothing in the fund before this year
        # The street's own query of the same figures (one row from the month totals) says the same.
        assert yearbook.street_figures_of(2026, {"fund"}) == yearbook.street_figures([part])
        assert yearbook.street_figures_of(2025, {"fund"}) == []


def test_the_api_pages_donations_and_refuses_to_reverse_a_reversal(client, town):
    with tenant_context(town["community"].id):
        _fill(town)
        db.session.commit()
    chen = token_for(client, town["chen"])
    base = "/api/v1/c/town/fund"
    first = client.get(f"{base}/donations?limit=1", headers=chen).get_json()
    second = client.get(f"{base}/donations?limit=1&cursor={first['next_cursor']}", headers=chen).get_json()
    assert [d["receipt_no"] for d in first["items"] + second["items"]] == ["JZ2026-0002", "JZ2026-0001"]
    assert second["next_cursor"] is None
    mine = client.get(f"{base}/donations", headers=token_for(client, town["boss"])).get_json()["items"]
    assert [d["donor_name"] for d in mine] == ["柳荫物业公司"]  # a unit sees its own gifts only
    gift = second["items"][0]
    reversal = client.post(f"{base}/transactions/{gift['transaction_id']}/reverse", headers=chen,
                           json={"reason": "录入错误"})
    assert reversal.status_code == 201 and reversal.get_json()["reverses_id"] == gift["transaction_id"]
    again = client.post(f"{base}/transactions/{reversal.get_json()['id']}/reverse", headers=chen,
                        json={"reason": "撤销冲正"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "reversal"
    twice = client.post(f"{base}/transactions/{gift['transaction_id']}/reverse", headers=chen, json={"reason": "再次"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_reversed"
    assert client.get(f"{base}/donations/{gift['id']}", headers=chen).get_json()["reversed"] is True
