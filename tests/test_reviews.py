"""The council's yearly review of the member units: each unit's year counted from what it really served (matches,
their ratings, meals, offers), in community time; one review a year with a frozen list of units; keep / warn /
drop with reasons; closing stores what was seen and makes the decisions take effect (a drop withdraws the unit,
closes its offers and tells its people) — through the services, the JSON API and the pages."""
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app import history
from app.core.extensions import db
from app.matching import services as matching
from app.meals.models import MealOrder
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import OutboxEvent
from app.offers import services as offers
from app.offers.models import Offer
from app.reviews import services as reviews
from app.reviews.contributions import Figures, contributions, year_bounds
from app.sections import digest_counts
from app.units import services as units
from app.units.models import Unit
from tenants.context import tenant_context
from tests.factories import browser_for, docking_world, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
API = "/api/v1/c/dock/reviews"
PAGES = "/c/dock/reviews"


@pytest.fixture
def world(app, clock):
    """The docking world (a canteen with its weekday lunch, its cook, 王秀英) on Monday 30 November 2026, with a
    council member, a resident, a unit with an offer but nothing served (a shop) and one with nothing at all."""
    clock(2026, 11, 30, 10)
    made = docking_world()
    community = made["community"]
    made["council"] = member(community, "council", name="赵理事")
    made["shopkeeper"] = member(community, "unit", name="店主老孙")
    with tenant_context(community.id):
        shop = units.create_unit({"name": "孙记便民店", "type": "shop"})
        units.add_representative(shop, made["shopkeeper"].id)
        shop_offer = offers.create_offer({"unit_id": str(shop.id), "kind": "errand", "title": "代买日用品",
                                          "capacity": 3})
        idle = units.create_unit({"name": "安静科技公司", "type": "enterprise"})
        gone = units.create_unit({"name": "早已退出的单位", "type": "other"})
        units.change_status(gone, "withdrawn", actor_id=made["coordinator"].id, note="搬走了", tell=False)
        db.session.commit()
        made.update(shop=shop.id, shop_offer=shop_offer.id, idle=idle.id, gone=gone.id)
    return made


def _served(world, clock, day: str, delivered_at: tuple, rating: int | None = None) -> int:
    """A lunch need of 王秀英 for `day`, matched with the canteen, confirmed, delivered at `delivered_at` (community
    time) and rated; the clock stays at the delivery. Returns the match id."""
    with tenant_context(world["community"].id):
        need = needs.create_need(NeedIn().load({"kind": "meal", "title": "午饭送餐", "day": day, "slot": "lunch",
                                                "resident_id": str(world["resident"])}),
                                 actor_id=world["coordinator"].id, tz=TZ)
        match = matching.propose(need, world["offer"], actor_id=world["coordinator"].id)
        matching.accept(match, actor_id=world["cook"].id)
        matching.confirm(match, actor_id=world["coordinator"].id)
        db.session.commit()
        match_id = match.id
    clock(*delivered_at)
    with tenant_context(world["community"].id):
        match = matching.get_match(match_id)
        matching.deliver(match, actor_id=world["cook"].id)
        if rating:
            matching.rate(match, rating, "", actor_id=world["coordinator"].id)
        db.session.commit()
    return match_id


def _fields(response) -> dict:
    body = response.get_json()
    assert body is not None and "error" in body, response.get_data(as_text=True)
    return body["error"]["fields"]


# --- the year's contribution -------------------------------------------------------------------------------

def test_contributions_come_from_the_records_in_the_unit_and_the_community_year(app, world, clock):
    # Thursday 31 December, lunch at 12:30, rated 4; another one not rated.
    _served(world, clock, "2026-12-31", (2026, 12, 31, 12, 30), rating=4)
    _served(world, clock, "2026-12-31", (2026, 12, 31, 13, 0))
    # Friday 1 January 2027 07:30 in Beijing is still 31 December 23:30 in UTC: it belongs to 2027, rated 2.
    _served(world, clock, "2027-01-01", (2027, 1, 1, 7, 30), rating=2)
    with tenant_context(world["community"].id):
        assert year_bounds(2027)[0] == datetime(2026, 12, 31, 16, 0, tzinfo=ZoneInfo("UTC"))
        year = contributions(2026)
        canteen = year[world["canteen"]]
        assert (canteen.matches, canteen.ratings, canteen.average_rating) == (2, 1, 4.0)
        assert canteen.meals == 2  # the one-off meals made from the matches, marked delivered with them
        assert canteen.offers == 1 and not canteen.nothing
        assert year[world["shop"]] == Figures(offers=1)  # published, nothing served yet
        assert world["idle"] not in year  # nothing at all
        later = contributions(2027)[world["canteen"]]
        assert (later.matches, later.ratings, later.average_rating, later.meals) == (1, 1, 2.0, 1)
        assert contributions(2025) == {}  # the canteen's offer was published in 2026
        # Asked for given units: those with nothing come back empty, and no other unit does.
        asked = contributions(2026, [world["idle"], world["shop"]])
        assert set(asked) == {world["idle"], world["shop"]} and asked[world["idle"]].nothing


def test_the_year_of_every_unit_takes_as_many_statements_for_3_units_as_for_30(app, world, count_sql):
    def grow(n):
        with tenant_context(world["community"].id):
            for i in range(n):
                unit = units.create_unit({"name": f"单位{n}-{i}", "type": "shop"})
                offers.create_offer({"unit_id": str(unit.id), "kind": "errand", "title": "跑腿", "capacity": 1})
            db.session.commit()

    def statements() -> int:
        with tenant_context(world["community"].id):
            ids = list(db.session.execute(select(Unit.id)).scalars())
            year_bounds(2026)  # the community's time zone is read once per request, not per unit
            with count_sql() as n:
                figures = contributions(2026, ids)
            assert len(figures) == len(ids)
            return n()

    grow(3)
    few = statements()
    grow(27)
    assert statements() == few <= 7


# --- the review ----------------------------------------------------------------------------------------------

def test_a_review_opens_once_a_year_with_the_active_units_and_flags_those_with_nothing(app, client, world):
    council = token_for(client, world["council"])
    for year, field in ((1999, "year"), (2027, "year"), ("二〇二六", "year")):
        assert client.post(API, json={"year": year}, headers=council).status_code == 422
        assert field in _fields(client.post(API, json={"year": year}, headers=council))
    opened = client.post(API, json={"year": 2026}, headers=council)
    assert opened.status_code == 201, opened.get_json()
    body = opened.get_json()
    assert body["status"] == "open" and body["undecided"] == 3
    names = {e["unit_name"]: e for e in body["entries"]}
    assert set(names) == {"京华物业食堂", "孙记便民店", "安静科技公司"}  # the withdrawn unit is not reviewed
    assert names["安静科技公司"]["flagged"] and not names["孙记便民店"]["flagged"]
    assert names["孙记便民店"]["figures"]["offers"] == 1
    again = client.post(API, json={"year": 2026}, headers=council)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "review_exists"
    listed = client.get(API, headers=council).get_json()["items"]
    assert [r["year"] for r in listed] == [2026]
    # A unit admitted after the opening waits for next year's review: the list is frozen.
    with tenant_context(world["community"].id):
        units.create_unit({"name": "新来的单位", "type": "shop"})
        db.session.commit()
    assert len(client.get(f"{API}/{body['id']}", headers=council).get_json()["entries"]) == 3


def test_decisions_need_reasons_and_closing_needs_every_unit(app, client, world):
    council = token_for(client, world["council"])
    review = client.post(API, json={"year": 2026}, headers=council).get_json()
    entry = {e["unit_name"]: e["id"] for e in review["entries"]}
    url = f"{API}/{review['id']}"
    warn = client.post(f"{url}/entries/{entry['孙记便民店']}", json={"decision": "warn"}, headers=council)
    assert warn.status_code == 422 and "reason" in _fields(warn)
    drop = client.post(f"{url}/entries/{entry['安静科技公司']}", json={"decision": "drop", "reason": "  "},
                       headers=council)
    assert drop.status_code == 422 and "reason" in _fields(drop)
    odd = client.post(f"{url}/entries/{entry['孙记便民店']}", json={"decision": "maybe"}, headers=council)
    assert odd.status_code == 422 and "decision" in _fields(odd)
    kept = client.post(f"{url}/entries/{entry['京华物业食堂']}", json={"decision": "keep"}, headers=council)
    assert kept.status_code == 200 and kept.get_json()["decision"] == "keep"
    assert kept.get_json()["decided_by_id"] == str(world["council"].id)
    early = client.post(f"{url}/close", headers=council)
    assert early.status_code == 409 and early.get_json()["error"]["code"] == "undecided"
    assert client.get(url, headers=council).get_json()["status"] == "open"
    # A decision may change while the review is open.
    assert client.post(f"{url}/entries/{entry['孙记便民店']}", json={"decision": "warn", "reason": "服务太少"},
                       headers=council).status_code == 200
    assert client.post(f"{url}/entries/{entry['孙记便民店']}", json={"decision": "keep"},
                       headers=council).get_json()["decision"] == "keep"
    assert client.post(f"{url}/entries/{entry['安静科技公司']}", json={"decision": "keep"},
                       headers=council).status_code == 200
    closed = client.post(f"{url}/close", headers=council)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    late = client.post(f"{url}/entries/{entry['安静科技公司']}", json={"decision": "drop", "reason": "晚了"},
                       headers=council)
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "review_closed"
    assert client.post(f"{url}/close", headers=council).status_code == 409
    assert client.get(f"{API}/{review['id']}/entries/{entry['安静科技公司']}", headers=council).status_code == 405


def test_closing_keeps_the_figures_seen_and_a_drop_withdraws_the_unit(app, client, world, clock, drain):
    council = token_for(client, world["council"])
    _served(world, clock, "2026-12-01", (2026, 12, 1, 12, 30), rating=5)
    review = client.post(API, json={"year": 2026}, headers=council).get_json()
    entry = {e["unit_name"]: e["id"] for e in review["entries"]}
    url = f"{API}/{review['id']}"
    assert client.post(f"{url}/entries/{entry['孙记便民店']}", json={"decision": "drop", "reason": "一年未提供服务"},
                       headers=council).status_code == 200
    assert client.post(f"{url}/entries/{entry['安静科技公司']}", json={"decision": "warn", "reason": "请发布服务"},
                       headers=council).status_code == 200
    with tenant_context(world["community"].id):
        # Nothing happens before the review closes: the decisions can still change.
        assert units.get_unit(world["shop"]).status == "active"
        assert reviews.keep_unflagged(reviews.get_review(int(review["id"])), actor_id=world["council"].id) == 1
        db.session.commit()
    assert client.post(f"{url}/close", headers=council).status_code == 200
    with tenant_context(world["community"].id):
        shop = units.get_unit(world["shop"])
        assert shop.status == "withdrawn"
        assert offers.get_offer(world["shop_offer"]).status == "ended"  # its offers closed with it
        change = history.history_of(shop)[-1]
        assert (change.from_status, change.to_status, change.actor_id) == ("active", "withdrawn", world["council"].id)
        assert "一年未提供服务" in change.note and "2026" in change.note
        assert units.get_unit(world["idle"]).status == "active"  # a warning changes nothing but is heard
        events = {(e.event, str(e.audience)) for e in db.session.execute(select(OutboxEvent).where(
            OutboxEvent.event.like("review.%"))).scalars()}
        assert events == {("review.dropped", str({"user_ids": [world["shopkeeper"].id]})),
                          ("review.dropped", str({"roles": ["admin", "coordinator"]}))}  # the idle unit has nobody
        payload = db.session.execute(select(OutboxEvent.payload).where(OutboxEvent.event == "review.dropped")
                                     ).scalars().first()
        assert payload["reason"] == "一年未提供服务" and payload["unit_name"] == "孙记便民店"
    seen = {e["unit_name"]: e["figures"] for e in client.get(url, headers=council).get_json()["entries"]}
    assert seen["京华物业食堂"]["matches"] == 1 and seen["京华物业食堂"]["average_rating"] == 5.0
    # Later services of the same year do not change a closed review; the live figures do move.
    _served(world, clock, "2026-12-02", (2026, 12, 2, 12, 30), rating=1)
    again = {e["unit_name"]: e["figures"] for e in client.get(url, headers=council).get_json()["entries"]}
    assert again == seen
    with tenant_context(world["community"].id):
        assert contributions(2026)[world["canteen"]].matches == 2
    drain()
    shopkeeper = browser_for(app, world["shopkeeper"])
    inbox = shopkeeper.get("/notifications").get_data(as_text=True)
    assert "孙记便民店" in inbox and "一年未提供服务" in inbox


def test_a_warning_tells_the_units_representatives_the_reason(app, client, world):
    council = token_for(client, world["council"])
    review = client.post(API, json={"year": 2026}, headers=council).get_json()
    for e in review["entries"]:
        body = {"decision": "warn", "reason": "服务太少"} if e["unit_name"] == "孙记便民店" else {"decision": "keep"}
        client.post(f"{API}/{review['id']}/entries/{e['id']}", json=body, headers=council)
    assert client.post(f"{API}/{review['id']}/close", headers=council).status_code == 200
    with tenant_context(world["community"].id):
        warned = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "review.warned")).scalars().all()
        assert [(e.audience, e.payload["reason"]) for e in warned] == [({"user_ids": [world["shopkeeper"].id]},
                                                                        "服务太少")]
        assert units.get_unit(world["shop"]).status == "active"


def test_the_staff_changing_a_units_status_is_recorded_and_closes_its_offers(app, client, world):
    staff = token_for(client, world["coordinator"])
    changed = client.patch(f"/api/v1/c/dock/units/{world['shop']}", json={"status": "suspended"}, headers=staff)
    assert changed.status_code == 200, changed.get_json()
    with tenant_context(world["community"].id):
        shop = units.get_unit(world["shop"])
        [change] = history.history_of(shop)
        assert (change.from_status, change.to_status, change.actor_id) == ("active", "suspended",
                                                                          world["coordinator"].id)
        assert db.session.execute(select(Offer.status).where(Offer.unit_id == shop.id)).scalars().all() == ["ended"]
        assert db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "unit.status_changed")).first()
    # Saving the form again without a change of status records nothing more.
    assert client.patch(f"/api/v1/c/dock/units/{world['shop']}", json={"status": "suspended"},
                        headers=staff).status_code == 200
    with tenant_context(world["community"].id):
        assert len(history.history_of(units.get_unit(world["shop"]))) == 1
    # The unit's page shows its dated status changes to the staff.
    page = browser_for(app, world["coordinator"]).get(f"/c/dock/units/{world['shop']}").get_data(as_text=True)
    assert "历史" in page or "History" in page


def test_a_closed_canteen_takes_no_new_meals(app, world):
    """A withdrawn canteen's lunch is ended: no new proposals, no plan, no new orders from its plans."""
    with tenant_context(world["community"].id):
        canteen = units.get_unit(world["canteen"])
        units.change_status(canteen, "withdrawn", actor_id=world["coordinator"].id, note="评议除名", tell=False)
        db.session.commit()
        assert offers.get_offer(world["offer"]).status == "ended"
        assert all(f.id != world["offer"] for f in offers.offer_facts("meal", "2026-12-01:lunch",
                                                                     datetime(2026, 12, 1).date()))
        assert db.session.execute(select(MealOrder)).first() is None


def test_a_resident_may_not_see_or_run_reviews(app, client, world):
    grandma = token_for(client, world["grandma"])
    assert client.get(API, headers=grandma).status_code == 403
    assert client.post(API, json={"year": 2026}, headers=grandma).status_code == 403
    council = token_for(client, world["council"])
    review = client.post(API, json={"year": 2026}, headers=council).get_json()
    assert client.get(f"{API}/{review['id']}", headers=grandma).status_code == 403
    entry = review["entries"][0]["id"]
    assert client.post(f"{API}/{review['id']}/entries/{entry}", json={"decision": "keep"},
                       headers=grandma).status_code == 403
    assert client.post(f"{API}/{review['id']}/close", headers=grandma).status_code == 403
    assert client.get(f"{API}/{review['id']}/entries/999999", headers=council).status_code == 405
    assert client.post(f"{API}/{review['id']}/entries/999999", json={"decision": "keep"},
                       headers=council).status_code == 404
    assert client.get(f"{API}/999999", headers=council).status_code == 404
    browser = browser_for(app, world["grandma"])
    assert browser.get(f"{PAGES}/").status_code == 403


# --- the pages, the today page, the digest -------------------------------------------------------------------

def test_the_council_runs_the_review_on_its_pages(app, world):
    council = browser_for(app, world["council"])
    index = council.get(f"{PAGES}/")
    assert index.status_code == 200 and "开启评议" in index.get_data(as_text=True)
    wrong = council.post(f"{PAGES}/", data={"year": "1999"})
    assert wrong.status_code == 422 and "2000" in wrong.get_data(as_text=True)
    opened = council.post(f"{PAGES}/", data={"year": "2026"})
    assert opened.status_code == 302
    url = opened.headers["Location"]
    page = council.get(url).get_data(as_text=True)
    assert "本年度无贡献" in page and "安静科技公司" in page and "早已退出的单位" not in page
    with tenant_context(world["community"].id):
        review = reviews.review_of_year(2026)
        entry = {e.unit_name: e.id for e in review.entries}
        review_id = review.id
    refused = council.post(f"{PAGES}/{review_id}/entries/{entry['安静科技公司']}", data={"decision": "drop"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请写明理由" in text and 'aria-invalid="true"' in text
    # The flagged unit waits for a person; the others are kept at once.
    assert council.post(f"{PAGES}/{review_id}/keep-unflagged").status_code == 302
    early = council.post(f"{PAGES}/{review_id}/close", follow_redirects=True)
    assert "1 家单位未作决定" in early.get_data(as_text=True)
    assert council.post(f"{PAGES}/{review_id}/entries/{entry['安静科技公司']}",
                        data={"decision": "drop", "reason": "全年没有任何服务"}).status_code == 302
    closed = council.post(f"{PAGES}/{review_id}/close", follow_redirects=True).get_data(as_text=True)
    assert "各项决定已生效" in closed and "全年没有任何服务" in closed
    with tenant_context(world["community"].id):
        assert units.get_unit(world["idle"]).status == "withdrawn"
    unit_page = council.get(f"/c/dock/units/{world['idle']}").get_data(as_text=True)
    assert "全年没有任何服务" in unit_page  # the unit's status history, with the reason


def test_the_today_page_the_council_home_and_the_digest_say_a_review_is_due(app, client, world, clock):
    with tenant_context(world["community"].id):
        assert reviews.due() is None  # 30 November: not yet
    clock(2026, 12, 1, 9)
    staff = browser_for(app, world["coordinator"])
    council = browser_for(app, world["council"])
    assert "2026 年度评议到期，尚未开启" in staff.get("/c/dock/today").get_data(as_text=True)
    with tenant_context(world["community"].id):
        assert digest_counts()["review_due"] == 1
    assert council.post(f"{PAGES}/", data={"year": "2026"}).status_code == 302
    assert "还有 3 家单位待决定" in staff.get("/c/dock/today").get_data(as_text=True)
    assert "还有 3 家单位待决定" in council.get("/c/dock/home/council").get_data(as_text=True)
    home = client.get("/api/v1/c/dock/home?home=council", headers=token_for(client, world["council"])).get_json()
    assert any(s["name"] == "review" and s["count"] == 3 for s in home["sections"])
    with tenant_context(world["community"].id):
        counts = digest_counts()
        assert counts["review_units_undecided"] == 3 and counts["review_due"] == 0
    assert "年度评议" not in browser_for(app, world["grandma"]).get("/c/dock/").get_data(as_text=True)


def test_the_review_page_sends_as_many_statements_for_3_units_as_for_30(app, world, count_sql):
    council = browser_for(app, world["council"])

    def grow(n):
        with tenant_context(world["community"].id):
            for i in range(n):
                unit = units.create_unit({"name": f"单位{n}-{i}", "type": "shop"})
                offers.create_offer({"unit_id": str(unit.id), "kind": "errand", "title": "跑腿", "capacity": 1})
            db.session.commit()

    def statements(year) -> int:
        assert council.post(f"{PAGES}/", data={"year": str(year)}).status_code == 302
        with tenant_context(world["community"].id):
            review_id = reviews.review_of_year(year).id
        with count_sql() as n:
            assert council.get(f"{PAGES}/{review_id}").status_code == 200
        return n()

    few = statements(2025)
    grow(27)
    assert statements(2026) == few


def test_the_openapi_document_describes_the_review_endpoints(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/c/{slug}/reviews"])
    assert "409" in paths["/api/v1/c/{slug}/reviews"]["post"]["responses"]
    for path in ("/api/v1/c/{slug}/reviews/{review_id}", "/api/v1/c/{slug}/reviews/{review_id}/close",
                 "/api/v1/c/{slug}/reviews/{review_id}/entries/{entry_id}"):
        assert path in paths, path
    entry = spec["components"]["schemas"]["ReviewEntryOut"]["properties"]
    assert entry["decision"]["enum"] == ["keep", "warn", "drop"] and "figures" in entry and "flagged" in entry


def test_a_long_review_shows_the_undecided_first_and_filters_by_links(app, world):
    """135 units on a phone: the page opens on those still to decide, and links show all or those with nothing."""
    from tests.factories import units as make_units

    make_units(world["community"], 22)
    with tenant_context(world["community"].id):
        review = reviews.open_review(2026, actor_id=world["council"].id)
        first = review.entries[0]
        reviews.decide(review, first, "keep", actor_id=world["council"].id)
        db.session.commit()
        review_id, total, decided_name = review.id, len(review.entries), first.unit_name
        flagged = sum(1 for row in reviews.entry_rows(review) if row["flagged"])
    council = browser_for(app, world["council"])
    page = council.get(f"{PAGES}/{review_id}").get_data(as_text=True)
    assert page.count('class="card review-unit') == total - 1 and decided_name not in page.split("review-units")[1]
    assert f"全部（{total}）" in page and f"待决定（{total - 1}）" in page and f"无贡献（{flagged}）" in page
    assert f'href="{PAGES}/{review_id}?show=all"' in page and f'href="{PAGES}/{review_id}?show=flagged"' in page
    everything = council.get(f"{PAGES}/{review_id}?show=all").get_data(as_text=True)
    assert everything.count('class="card review-unit') == total and "决定：<strong>已保留</strong>" in everything
    nothing = council.get(f"{PAGES}/{review_id}?show=flagged").get_data(as_text=True)
    assert nothing.count('class="card review-unit flagged') == flagged == nothing.count('class="card review-unit')
    # The API answers its ids as strings (CONTRACT.md), the council's too.
    detail = council.client.get(f"{API}/{review_id}").get_json()
    assert isinstance(detail["id"], str) and all(isinstance(e["id"], str) and isinstance(e["unit_id"], str)
                                                 for e in detail["entries"])
    from app.council import services as council_services
    from app.council.schemas import SeatIn

    with tenant_context(world["community"].id):
        council_services.appoint(SeatIn().load({"user_id": str(world["council"].id), "position": "member",
                                                "term_start": "2026-11-30"}), actor_id=None)
        db.session.commit()
    seats = council.client.get("/api/v1/c/dock/council").get_json()
    ids = re.findall(r'"(?:id|user_id)": ([^,}]+)', json.dumps(seats))
    assert ids and all(i.startswith('"') or i == "null" for i in ids)
