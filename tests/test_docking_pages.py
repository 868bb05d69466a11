"""The docking pages: a coordinator registers a need for an elderly resident who phoned in, proposes the
canteen, the unit accepts, staff confirm, the unit delivers and the resident rates — all through pages."""
import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.core.extensions import db
from app.matching import services as matching
from app.matching.models import Match
from app.needs import services as needs
from app.needs.models import Need
from app.needs.schemas import NeedIn
from app.offers import services as offers
from app.offers.models import Offer, OfferOccurrence
from app.residents import services as residents
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import browser_for, member

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2026-12-01"  # a Tuesday
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _need(world, title="午饭送餐", resident_id=None):
    return needs.create_need(NeedIn().load(
        {"kind": "meal", "title": title, "resident_id": str(resident_id or world["resident"]),
         "day": DAY, "slot": "lunch"}), actor_id=world["coordinator"].id, tz=TZ)


def _id_from(response, pattern=r"/needs/(\d+)$") -> int:
    return int(re.search(pattern, response.headers["Location"]).group(1))


def test_coordinator_journey_through_the_pages(app, world, drain, clock):
    staff = browser_for(app, world["coordinator"])
    form = staff.get(f"/c/dock/needs/new?kind=meal&resident_id={world['resident']}")
    assert form.status_code == 200 and "王秀英" in form.get_data(as_text=True)  # the chosen resident
    created = staff.post("/c/dock/needs/new", data={
        "kind": "meal", "title": "午饭送到家", "details": "少盐，五楼无电梯", "resident_id": str(world["resident"]),
        "day": DAY, "slot": "lunch", "window_start": "", "window_end": "", "quantity": "1", "urgency": "high"})
    assert created.status_code == 302, created.get_data(as_text=True)
    need_id = _id_from(created)

    page = staff.get(f"/c/dock/needs/{need_id}").get_data(as_text=True)
    assert "午饭送到家" in page and "助餐午饭" in page and "京华物业食堂" in page
    assert "米" in page and "5" in page  # the reasons: "距离 … 米 · 午餐余量 5 份"
    assert f'name="offer_id" value="{world["offer"]}"' in page
    assert staff.post(f"/c/dock/needs/{need_id}/propose", data={"offer_id": str(world["offer"])}).status_code == 302
    with tenant_context(world["community"].id):
        match_id = db.session.execute(select(Match.id).where(Match.need_id == need_id)).scalar_one()
    db.session.rollback()

    cook = browser_for(app, world["cook"])
    waiting = cook.get("/c/dock/matches").get_data(as_text=True)
    assert "午饭送到家" in waiting and f"/matches/{match_id}/accept" in waiting
    assert cook.post(f"/c/dock/matches/{match_id}/accept").status_code == 302
    assert cook.post(f"/c/dock/matches/{match_id}/confirm").status_code == 403  # only staff confirm

    assert f"/matches/{match_id}/confirm" in staff.get("/c/dock/matches").get_data(as_text=True)
    assert staff.post(f"/c/dock/matches/{match_id}/confirm").status_code == 302
    listing = cook.get("/c/dock/matches").get_data(as_text=True)  # Monday: the list says from when, no button
    assert f"/matches/{match_id}/deliver" not in listing and "起可标记为已送达" in listing
    # Tuesday's lunch cannot be delivered on Monday: a form sent anyway is told why and nothing moves.
    early = cook.post(f"/c/dock/matches/{match_id}/deliver", follow_redirects=True).get_data(as_text=True)
    assert "2026-12-01" in early and "当天" in early
    with tenant_context(world["community"].id):
        assert (db.session.get(Match, match_id).status, db.session.get(Need, need_id).status) == \
            ("confirmed", "in_service")
    db.session.rollback()
    clock(2026, 12, 1, 12, 30)  # Tuesday lunchtime: signed in again, the cook marks it
    cook, staff = browser_for(app, world["cook"]), browser_for(app, world["coordinator"])
    assert cook.post(f"/c/dock/matches/{match_id}/deliver").status_code == 302

    grandma = browser_for(app, world["grandma"])
    mine = grandma.get(f"/c/dock/needs/{need_id}").get_data(as_text=True)
    assert f"/needs/{need_id}/rating" in mine
    missing = grandma.post(f"/c/dock/needs/{need_id}/rating", data={"comment": "好吃"})
    assert missing.status_code == 422 and 'id="rating-error"' in missing.get_data(as_text=True)
    assert grandma.post(f"/c/dock/needs/{need_id}/rating", data={"rating": "5", "comment": "好吃"}).status_code \
        == 302
    with tenant_context(world["community"].id):
        match = db.session.get(Match, match_id)
        assert (match.status, match.rating, match.comment) == ("rated", 5, "好吃")
        assert db.session.get(Need, need_id).status == "done"
        assert db.session.get(Offer, world["offer"]).rating == 5.0
        assert db.session.execute(select(OfferOccurrence.booked)).scalar_one() == 1
    db.session.rollback()
    history = staff.get(f"/c/dock/needs/{need_id}").get_data(as_text=True)
    assert history.count("<time") >= 4  # submitted, matched, in service, done
    drain()


def test_a_start_after_its_end_is_a_field_error(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/needs/new", data={
        "kind": "legal", "title": "租房合同咨询", "resident_id": str(world["resident"]), "day": "", "slot": "lunch",
        "window_start": "2026-12-01T15:00", "window_end": "2026-12-01T14:00", "quantity": "1", "urgency": "normal"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="window_end-error"' in text and 'aria-invalid="true"' in text
    assert "租房合同咨询" in text  # what was typed is kept


def test_offer_form_converts_price_and_weekly_hours(app, world):
    staff = browser_for(app, world["coordinator"])
    response = staff.post("/c/dock/offers/new", data={
        "unit_id": str(world["canteen"]), "kind": "meal", "title": "助餐晚饭", "terms": "discounted",
        "price": "12.50", "eligibility": ["elderly", "living_alone"], "capacity": "20", "slots": ["dinner"],
        "delivery": "on", "radius_m": "800", "weekly_sat_from": "16:00", "weekly_sat_to": "19:00"})
    assert response.status_code == 302, response.get_data(as_text=True)
    offer_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with tenant_context(world["community"].id):
        offer = offers.get_offer(offer_id)
        assert (offer.price_cents, offer.eligibility, offer.slots, offer.delivery, offer.weekly) == \
            (1250, ["elderly", "living_alone"], ["dinner"], True, {"sat": [["16:00", "19:00"]]})
    db.session.rollback()
    bad = staff.post(f"/c/dock/offers/{offer_id}/edit", data={
        "kind": "meal", "title": "助餐晚饭", "terms": "priced", "price": "abc", "eligibility": ["anyone"],
        "capacity": "20", "slots": ["dinner"], "weekly_mon_from": "18:00"})
    assert bad.status_code == 422
    assert 'id="price-error"' in bad.get_data(as_text=True) and 'id="weekly-error"' in bad.get_data(as_text=True)
    closed = staff.post(f"/c/dock/offers/{offer_id}/closures", data={"day": "2026-12-25", "note": "圣诞"})
    assert closed.status_code == 302
    assert "圣诞" in staff.get(f"/c/dock/offers/{offer_id}").get_data(as_text=True)


def test_a_unit_rep_sees_only_their_units_proposals(app, world):
    other_rep = member(world["community"], "unit")
    with tenant_context(world["community"].id):
        bakery = units.create_unit({"name": "稻香村面包房", "type": "shop"})
        units.add_representative(bakery, other_rep.id)
        need = _need(world, title="王奶奶的午饭")
        match = matching.propose(need, world["offer"], actor_id=world["coordinator"].id)
        db.session.commit()
        match_id, need_id = match.id, need.id
    rep = browser_for(app, other_rep)
    page = rep.get("/c/dock/matches")
    assert page.status_code == 200 and "王奶奶的午饭" not in page.get_data(as_text=True)
    assert rep.post(f"/c/dock/matches/{match_id}/accept").status_code == 403
    assert rep.get(f"/c/dock/needs/{need_id}").status_code == 403
    resident = browser_for(app, world["grandma"])
    assert resident.get("/c/dock/matches").status_code == 403


def test_today_lists_new_needs_and_waiting_proposals(app, world):
    with tenant_context(world["community"].id):
        _need(world, title="新来的需求")
        matching.propose(_need(world, title="等单位回复的需求"), world["offer"], actor_id=None)
        db.session.commit()
    staff = browser_for(app, world["coordinator"])
    text = staff.get("/c/dock/today").get_data(as_text=True)
    assert "新来的需求" in text and "等单位回复的需求" in text
    assert staff.get("/c/dock/").get_data(as_text=True).count("/c/dock/today") >= 2  # the nav and the home page
    assert browser_for(app, world["cook"]).get("/c/dock/today").status_code == 403


def _fill(world, n: int) -> None:
    with tenant_context(world["community"].id):
        for i in range(n):
            person = residents.create_resident({"name": f"老人{i}", "birth_date": date(1945, 1, 1)}, actor_id=None)
            db.session.flush()
            need = _need(world, title=f"需求{i}", resident_id=person.id)
            if i % 2:
                match = matching.propose(need, world["offer"], actor_id=None)
                if i % 4 == 1:
                    matching.accept(match, actor_id=None)
            elif i % 3 == 0:
                need.escalated_at = need.created_at
        db.session.commit()


def test_today_page_sends_the_same_queries_for_5_and_50_needs(app, world, count_sql, drain):
    staff = browser_for(app, world["coordinator"])
    _fill(world, 5)
    drain()  # the notifications of the new needs go out before counting
    with count_sql() as few:
        assert staff.get("/c/dock/today").status_code == 200
    _fill(world, 45)
    drain()
    with count_sql() as many:
        page = staff.get("/c/dock/today")
    assert page.status_code == 200 and "需求44" in page.get_data(as_text=True)
    assert few() == many(), (few(), many())


def test_cancelling_a_confirmed_need_gives_its_place_back(app, world):
    with tenant_context(world["community"].id):
        need = _need(world, title="取消的午饭")
        match = matching.propose(need, world["offer"], actor_id=None)
        matching.accept(match, actor_id=None)
        matching.confirm(match, actor_id=None)
        db.session.commit()
        need_id, match_id = need.id, match.id
    staff = browser_for(app, world["coordinator"])
    assert staff.post(f"/c/dock/needs/{need_id}/moves", data={"to": "cancelled"}).status_code == 302
    with tenant_context(world["community"].id):
        assert db.session.get(Need, need_id).status == "cancelled"
        assert db.session.get(Match, match_id).status == "cancelled"
        assert db.session.execute(select(OfferOccurrence.booked)).scalar_one() == 0
    db.session.rollback()


def test_the_batch_page_shows_its_querys_mistakes_at_the_fields_and_proposes_when_posted(app, world):
    with tenant_context(world["community"].id):
        _need(world)
        db.session.commit()
    staff = browser_for(app, world["coordinator"])
    assert staff.get("/c/dock/matching/batch").status_code == 200
    plan = staff.get("/c/dock/matching/batch", query_string={"kind": "meal", "day": DAY, "slot": "lunch"})
    assert plan.status_code == 200 and "王秀英" in plan.get_data(as_text=True)
    bad = staff.get("/c/dock/matching/batch", query_string={"kind": "meal", "day": "明天"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'id="day-error"' in body and 'id="slot-error"' in body
    assert 'value="明天"' in body  # what was typed is shown again
    sent = staff.post("/c/dock/matching/batch", data={"kind": "meal", "day": DAY, "slot": "lunch"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/c/dock/matches")
    with tenant_context(world["community"].id):
        assert db.session.execute(select(Match.status)).scalars().all() == ["proposed"]
    db.session.rollback()


def test_the_canteens_match_list_asks_once_and_offers_delivered_only_from_the_day(app, world, clock, count_sql,
                                                                                   drain):
    """The cook's list of matches: the same statements for 4 or 20 proposals (its buttons are decided for the
    whole list, not per row), and a lunch confirmed for tomorrow says from when it can be marked delivered
    instead of offering a button that would be refused."""
    cook = browser_for(app, world["cook"])
    _fill(world, 4)
    drain()
    with count_sql() as few:
        assert cook.get("/c/dock/matches").status_code == 200
    _fill(world, 16)
    drain()
    with count_sql() as many:
        page = cook.get("/c/dock/matches").get_data(as_text=True)
    assert page.count('/accept"') >= 5 and few() == many(), (few(), many())

    with tenant_context(world["community"].id):
        match = matching.propose(_need(world, title="明天的午饭"), world["offer"], actor_id=None)
        matching.accept(match, actor_id=None)
        matching.confirm(match, actor_id=None)
        db.session.commit()
        match_id = match.id
    drain()
    page = cook.get("/c/dock/matches").get_data(as_text=True)
    assert f"/matches/{match_id}/deliver" not in page and "起可标记为已送达" in page.split("明天的午饭")[1][:3000]
    clock(2026, 12, 1, 11)  # the day of the lunch (a new log-in: yesterday's session has ended)
    page = browser_for(app, world["cook"]).get("/c/dock/matches").get_data(as_text=True)
    assert f"/matches/{match_id}/deliver" in page
