"""The meal table: plans → daily orders (prices, capacity) → cancellations before the cutoff → the canteen's
manifest (sent once, grouped by building, minimised) → deliveries and missed meals → monthly statements."""
import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.validation import ValidationFailed
from app.meals import services as meals
from app.meals.models import MealManifest, MealOrder, MealPlan
from app.meals.schemas import PlanIn
from app.notifications.models import OutboxEvent
from app.offers import services as offers
from app.offers.models import OfferOccurrence
from app.residents import services as residents
from app.residents.models import AuditEvent
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import Browser, CommunityFactory, browser_for, canteen_lunch, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


@pytest.fixture
def world(app, clock):
    clock(2026, 11, 30, 10)  # Monday morning
    community = CommunityFactory(slug="meal")
    coordinator = member(community, "admin", "coordinator", name="协调员")
    cook = member(community, "unit", name="食堂张师傅")
    family = member(community, "resident", name="王秀英的女儿")
    neighbour = member(community, "resident", name="邻居")
    with tenant_context(community.id):
        unit, canteen = canteen_lunch(
            cook, title="长者餐桌", capacity=3, slots=["lunch", "dinner"], delivery=True,
            eligibility=["elderly", "disabled"], terms="discounted", weekly={d: [["10:30", "19:00"]] for d in WEEKDAYS})
        meals.save_settings(canteen, {"prices": {"lunch": {"elderly": 800, "disabled": 500},
                                                 "dinner": {"elderly": 1000}}, "cutoff": "17:00"})
        wang = residents.create_resident({"name": "王秀英", "birth_date": date(1940, 3, 2), "building": "3",
                                          "entrance": "2", "room": "301", "address": "柳荫街 3 号楼",
                                          "diet_notes": "少盐，软食"}, actor_id=coordinator.id, account_id=family.id)
        li = residents.create_resident({"name": "李建国", "birth_date": date(1970, 5, 1), "building": "1",
                                        "room": "102", "address": "柳荫街 1 号楼"}, actor_id=coordinator.id)
        residents.record_consent(li, given_by="李建国本人", method="in_person", actor_id=coordinator.id)
        residents.set_sensitive(li, {"disability_category": "physical", "disability_grade": 2}, actor_id=coordinator.id)
        young = residents.create_resident({"name": "赵小明", "birth_date": date(1995, 1, 1)}, actor_id=coordinator.id)
        db.session.commit()
        ids = {"unit": unit.id, "canteen": canteen.id, "wang": wang.id, "li": li.id, "young": young.id}
    return {"community": community, "coordinator": coordinator, "cook": cook, "family": family,
            "neighbour": neighbour, **ids}


def _plan(world, resident="wang", **extra):
    data = {"resident_id": str(world[resident]), "offer_id": str(world["canteen"]), "weekdays": WEEKDAYS,
            "slots": ["lunch"], "mode": "delivery", "starts_on": "2026-12-01", **extra}
    return meals.request_plan(PlanIn().load(data), actor_id=world["coordinator"].id, confirm=True)


def _orders(**where):
    stmt = select(MealOrder).order_by(MealOrder.day, MealOrder.slot, MealOrder.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(MealOrder, key) == value)
    return db.session.execute(stmt).scalars().all()


def _booked(offer_id, key):
    return db.session.execute(select(OfferOccurrence.booked).where(
        OfferOccurrence.offer_id == offer_id, OfferOccurrence.key == key)).scalar_one_or_none() or 0


def test_a_plan_orders_the_coming_weekdays_at_the_residents_price(app, world):
    with tenant_context(world["community"].id):
        _plan(world)
        _plan(world, "li", slots=["lunch", "dinner"], diet_notes="清真")
        db.session.commit()
        wang = _orders(resident_id=world["wang"])
        # Today is Monday 30 Nov; orders exist a week ahead: Tue 1 – Fri 4 Dec (the weekend is not ordered).
        assert [(o.day.isoformat(), o.price_cents, o.status) for o in wang] == [
            (f"2026-12-0{d}", 800, "ordered") for d in (1, 2, 3, 4)]
        li = _orders(resident_id=world["li"])
        # Disabled (under consent): the cheaper disabled price at lunch; dinner has only the elderly price.
        assert {(o.slot, o.price_cents) for o in li} == {("lunch", 500), ("dinner", 1000)}
        assert _booked(world["canteen"], "2026-12-01:lunch") == 2
        # Using the disability to price a meal was an audited read, with no value written down.
        audit = db.session.execute(select(AuditEvent).where(AuditEvent.resident_id == world["li"],
                                                            AuditEvent.field == "meal_price")).scalars().all()
        assert audit and all(a.action == "read" for a in audit)
        # Idempotent: the daily job makes nothing twice.
        assert meals.daily_orders() == 0
        assert len(_orders()) == 4 + 8


def test_bad_plans_get_field_messages_in_chinese_and_save_nothing(app, client, world):
    headers = token_for(client, world["coordinator"])
    url = "/api/v1/c/meal/meals/plans"
    base = {"resident_id": str(world["wang"]), "offer_id": str(world["canteen"]), "weekdays": ["mon"],
            "slots": ["lunch"], "mode": "delivery", "starts_on": "2026-12-07"}
    cases = [
        ({"ends_on": "2026-12-01"}, "ends_on", "结束"),
        ({"slots": ["breakfast"]}, "slots", "早餐"),
        ({"weekdays": ["sat"]}, "weekdays", "星期六"),
        ({"starts_on": "2026-11-30"}, "starts_on", "2026-12-01"),
        ({"resident_id": str(world["young"])}, "resident_id", "老年"),
        ({"weekdays": []}, "weekdays", None),
    ]
    for change, field, words in cases:
        response = client.post(url, json=base | change, headers=headers)
        assert response.status_code == 422, (change, response.get_json())
        messages = response.get_json()["error"]["fields"][field]
        if words:
            assert any(words in m for m in messages), (change, messages)
    assert client.post(url, json=base, headers=headers).status_code == 201
    # The same meal on the same weekday again overlaps; dinner does not.
    clash = client.post(url, json=base | {"weekdays": ["mon", "tue"], "starts_on": "2026-12-14"}, headers=headers)
    assert clash.status_code == 422 and "重叠" in clash.get_json()["error"]["fields"]["weekdays"][0]
    assert client.post(url, json=base | {"slots": ["dinner"]}, headers=headers).status_code == 201
    with tenant_context(world["community"].id):
        assert db.session.execute(select(func.count()).select_from(MealPlan)).scalar_one() == 2


def test_a_canteen_that_does_not_deliver_says_so(app, world):
    with tenant_context(world["community"].id):
        offers.update_offer(offers.get_offer(world["canteen"]), {"latitude": 39.94, "longitude": 116.38,
                                                                 "radius_m": 1000})
        residents.update_resident(residents.get_resident(world["wang"]), {"latitude": 39.99, "longitude": 116.38})
        with pytest.raises(ValidationFailed) as err:
            _plan(world)  # about 5.6 km away
        assert "1000" in err.value.fields["mode"][0]
        assert _plan(world, mode="dine_in").status == "active"  # she can still come and eat there
        db.session.rollback()
        offers.update_offer(offers.get_offer(world["canteen"]), {"delivery": False})
        with pytest.raises(ValidationFailed) as err:
            _plan(world)
        assert "mode" in err.value.fields
        db.session.rollback()


def test_skip_a_day_before_the_cutoff_not_after(app, client, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        db.session.commit()
        tuesday, wednesday = _orders(resident_id=world["wang"])[:2]
        ids = tuesday.id, wednesday.id
    headers = token_for(client, world["family"])  # the daughter acts for her mother
    response = client.post(f"/api/v1/c/meal/meals/orders/{ids[0]}/cancel", headers=headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    with tenant_context(world["community"].id):
        assert _booked(world["canteen"], "2026-12-01:lunch") == 0  # the place is free again
    assert client.post(f"/api/v1/c/meal/meals/orders/{ids[0]}/restore", headers=headers).get_json()["status"] == \
        "ordered"
    clock(2026, 11, 30, 17, 1)  # Tuesday's orders closed at 17:00 on Monday
    late = client.post(f"/api/v1/c/meal/meals/orders/{ids[0]}/cancel", headers=headers)
    assert late.status_code == 422
    assert "17:00" in late.get_json()["error"]["fields"]["day"][0]
    assert client.post(f"/api/v1/c/meal/meals/orders/{ids[1]}/cancel", headers=headers).status_code == 200
    # A neighbour cannot touch someone else's meals; the canteen cannot either.
    for other in ("neighbour", "cook"):
        assert client.post(f"/api/v1/c/meal/meals/orders/{ids[1]}/restore",
                           headers=token_for(client, world[other])).status_code == 403


def test_a_full_canteen_leaves_the_meal_unplaced_and_the_coordinator_sees_it(app, client, world):
    with tenant_context(world["community"].id):
        offers.update_offer(offers.get_offer(world["canteen"]), {"capacity": 1})
        _plan(world)
        _plan(world, "li")
        db.session.commit()
        assert {o.status for o in _orders(resident_id=world["li"])} == {"unplaced"}
        assert _booked(world["canteen"], "2026-12-01:lunch") == 1
    body = client.get("/api/v1/c/meal/meals/missed", headers=token_for(client, world["coordinator"])).get_json()
    assert {item["status"] for item in body["items"]} == {"unplaced"}
    assert {item["resident_id"] for item in body["items"]} == {str(world["li"])}


def test_manifest_by_building_shows_name_address_and_diet_only(app, client, world):
    with tenant_context(world["community"].id):
        _plan(world)
        _plan(world, "li", mode="dine_in", diet_notes="清真")
        db.session.commit()
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    page = cook.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "王秀英" in text and "少盐，软食" in text and "3-2-301" in text and "清真" in text
    for secret in ("肢体", "残疾", "二级", "1940", "¥5", "5.00"):
        assert secret not in text, secret
    body = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01",
                      headers=token_for(client, world["cook"])).get_json()
    assert body["counts"] == {"lunch": {"delivery": 1, "dine_in": 1}} and body["total"] == 2
    assert set(body["rows"][0]) == {"order_id", "name", "building", "entrance", "room", "address", "diet_notes",
                                    "slot", "mode", "status", "quantity", "one_off"}
    sheet = cook.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest.xlsx?day=2026-12-01")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert any("王秀英" in row and "少盐，软食" in row for row in rows)
    # A resident does not see the canteen's list.
    neighbour = Browser(app.test_client())
    neighbour.login(world["neighbour"])
    assert neighbour.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest").status_code == 403


def test_manifest_groups_the_round_by_building_in_natural_order(app, world):
    with tenant_context(world["community"].id):
        for name, building in (("甲", "10"), ("乙", "2"), ("丙", "")):
            person = residents.create_resident({"name": name, "birth_date": date(1950, 1, 1), "building": building},
                                               actor_id=None)
            db.session.flush()
            meals.request_plan(PlanIn().load({"resident_id": str(person.id), "offer_id": str(world["canteen"]),
                                              "weekdays": ["tue"], "slots": ["lunch"], "mode": "delivery",
                                              "starts_on": "2026-12-01"}), actor_id=None, confirm=True)
        m = meals.manifest(offers.get_offer(world["canteen"]), date(2026, 12, 1))
        assert [building for building, _rows in m.by_building()] == ["", "2", "10"]
        db.session.rollback()


def test_the_manifest_goes_to_the_canteen_once_after_the_cutoff(app, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        db.session.commit()
        clock(2026, 11, 30, 16, 59)
        assert meals.send_manifests() == 0
        clock(2026, 11, 30, 17, 5)
        assert meals.send_manifests() == 1
        assert meals.send_manifests() == 0
        db.session.commit()
        sent = db.session.execute(select(MealManifest)).scalar_one()
        assert (sent.day, sent.meals) == (date(2026, 12, 1), 1)
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "meal.manifest")).scalar_one()
        assert event.audience == {"user_ids": [world["cook"].id]} and event.payload["meals"] == 1


def test_deliveries_marked_and_a_missed_meal_reaches_the_coordinator(app, client, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        _plan(world, "li")
        db.session.commit()
        wang, li = (_orders(resident_id=world[r], day=date(2026, 12, 1))[0].id for r in ("wang", "li"))
        friday = _orders(resident_id=world["wang"], day=date(2026, 12, 4))[0].id
    headers = token_for(client, world["cook"])
    early = client.post(f"/api/v1/c/meal/meals/orders/{wang}/delivery", json={"outcome": "delivered"},
                        headers=headers)
    assert early.status_code == 422  # Tuesday's meal cannot be marked on Monday
    clock(2026, 12, 1, 12, 30)
    assert client.post(f"/api/v1/c/meal/meals/orders/{li}/delivery", json={"outcome": "missed", "note": "敲门无人应"},
                       headers=headers).get_json()["status"] == "missed"
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    cook.post(f"/c/meal/meals/canteens/{world['canteen']}/delivered?day=2026-12-01")
    with tenant_context(world["community"].id):
        assert {o.resident_id: o.status for o in _orders(day=date(2026, 12, 1))} == {
            world["wang"]: "delivered", world["li"]: "missed"}
        assert _orders(resident_id=world["wang"], day=date(2026, 12, 4))[0].status == "ordered"
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "meal.missed")).scalar_one()
        assert event.payload["name"] == "李建国" and event.audience == {"roles": ["admin", "coordinator"]}
    staff = Browser(app.test_client())
    staff.login(world["coordinator"])
    page = staff.get("/c/meal/meals/missed").get_data(as_text=True)
    assert "李建国" in page and "王秀英" not in page
    assert friday


def test_statements_split_at_the_month_end_and_leave_out_cancellations(app, client, world, clock):
    clock(2026, 11, 25, 9)  # Wednesday
    with tenant_context(world["community"].id):
        _plan(world, starts_on="2026-11-26", ends_on="2026-12-03")
        meals.generate_orders(start=date(2026, 11, 26), days=8)
        db.session.commit()
        days = {o.day.isoformat(): o for o in _orders(resident_id=world["wang"])}
        assert sorted(days) == ["2026-11-26", "2026-11-27", "2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03"]
        meals.cancel_order(days["2026-11-27"], actor_id=None)
        clock(2026, 12, 3, 13)
        for day, outcome in (("2026-11-26", "delivered"), ("2026-11-30", "delivered"), ("2026-12-01", "missed"),
                             ("2026-12-02", "delivered")):
            meals.mark_delivery(days[day], outcome, actor_id=None)
        db.session.commit()
    family = token_for(client, world["family"])
    november = client.get(f"/api/v1/c/meal/meals/residents/{world['wang']}/statement?month=2026-11",
                          headers=family).get_json()
    assert november["counts"] == {"delivered": 2, "cancelled": 1} and november["amount_cents"] == 1600
    december = client.get(f"/api/v1/c/meal/meals/residents/{world['wang']}/statement?month=2026-12",
                          headers=family).get_json()
    assert december["counts"] == {"missed": 1, "delivered": 1, "ordered": 1}
    assert (december["amount_cents"], december["open_cents"]) == (800, 800)
    canteen = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/statement?month=2026-11",
                         headers=token_for(client, world["cook"])).get_json()
    assert canteen["counts"] == {"delivered": 2, "cancelled": 1} and canteen["amount_cents"] == 1600
    assert canteen["by_price"] == {"800": 2}
    assert [d["day"] for d in canteen["days"]] == ["2026-11-26", "2026-11-27", "2026-11-30"]
    bad = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/statement?month=2026-13",
                     headers=token_for(client, world["cook"]))
    assert bad.status_code == 422
    # Someone else's statement is not for a neighbour.
    assert client.get(f"/api/v1/c/meal/meals/residents/{world['wang']}/statement",
                      headers=token_for(client, world["neighbour"])).status_code == 403
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    sheet = cook.get(f"/c/meal/meals/canteens/{world['canteen']}/statement.xlsx?month=2026-11")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[-4][2:] == (2, 0, 1, 0, 16.0)  # the total line: delivered, missed, cancelled, open, yuan


def test_ending_a_plan_cancels_later_meals_and_frees_their_places(app, world, clock):
    with tenant_context(world["community"].id):
        plan = _plan(world)
        db.session.commit()
        clock(2026, 11, 30, 18)  # Tuesday is final now
        with pytest.raises(ValidationFailed) as err:
            meals.end_plan(plan, date(2026, 11, 30), actor_id=None)
        assert "2026-12-01" in err.value.fields["ends_on"][0]
        meals.end_plan(plan, date(2026, 12, 2), actor_id=None)
        db.session.commit()
        assert [(o.day.day, o.status) for o in _orders(plan_id=plan.id)] == [
            (1, "ordered"), (2, "ordered"), (3, "cancelled"), (4, "cancelled")]
        assert _booked(world["canteen"], "2026-12-03:lunch") == 0
        assert meals.generate_orders(start=date(2026, 12, 5), days=7) == 0  # nothing after the end


def test_a_closed_day_cancels_its_meals(app, world):
    with tenant_context(world["community"].id):
        _plan(world)
        offers.add_closure(offers.get_offer(world["canteen"]), date(2026, 12, 2), "停水")
        db.session.commit()
        closed = _orders(day=date(2026, 12, 2))[0]
        assert (closed.status, closed.note) == ("cancelled", "closed")
        assert _booked(world["canteen"], "2026-12-02:lunch") == 0


def test_a_family_member_asks_staff_confirm_and_she_skips_a_day_on_the_phone(app, world, drain):
    family = Browser(app.test_client())
    family.login(world["family"])
    form = family.get("/c/meal/meals/plans/new")
    assert form.status_code == 200 and "王秀英" in form.get_data(as_text=True)
    response = family.post("/c/meal/meals/plans/new", data={
        "resident_id": str(world["wang"]), "offer_id": str(world["canteen"]), "weekdays": WEEKDAYS,
        "slots": ["lunch"], "mode": "delivery", "starts_on": "2026-12-01", "diet_notes": "少盐"})
    assert response.status_code == 302
    with tenant_context(world["community"].id):
        plan = db.session.execute(select(MealPlan)).scalar_one()
        assert plan.status == "requested" and _orders() == []
        asked = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "meal.plan_requested")).scalar_one()
        assert asked.payload["name"] == "王秀英"
        plan_id = plan.id
    staff = Browser(app.test_client())
    staff.login(world["coordinator"])
    assert "王秀英" in staff.get("/c/meal/meals/").get_data(as_text=True)
    assert staff.post(f"/c/meal/meals/plans/{plan_id}/confirm").status_code == 302
    with tenant_context(world["community"].id):
        assert len(_orders(plan_id=plan_id)) == 4
        told = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "meal.plan_confirmed")).scalar_one()
        assert told.audience == {"user_ids": [world["family"].id]}
        tuesday = _orders(plan_id=plan_id)[0].id
    home = family.get("/c/meal/meals/").get_data(as_text=True)
    assert "跳过这一餐" in home  # the skip button on the coming meals
    family.post(f"/c/meal/meals/orders/{tuesday}/cancel", data={"next": "/c/meal/meals/"})
    with tenant_context(world["community"].id):
        assert db.session.get(MealOrder, tuesday).status == "cancelled"
    # Field errors on the page, in Chinese, with the values kept.
    bad = family.post("/c/meal/meals/plans/new", data={
        "resident_id": str(world["wang"]), "offer_id": str(world["canteen"]), "weekdays": ["sat"],
        "slots": ["lunch"], "mode": "delivery", "starts_on": "2026-12-01"})
    assert bad.status_code == 422 and "星期六" in bad.get_data(as_text=True)


def test_canteen_prices_are_set_on_a_page(app, world):
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    url = f"/c/meal/meals/canteens/{world['canteen']}/settings"
    assert cook.get(url).status_code == 200
    bad = cook.post(url, data={"price-lunch-elderly": "八元", "cutoff": "25:00"})
    assert bad.status_code == 422
    assert cook.post(url, data={"price-lunch-elderly": "7.50", "price-lunch-anyone": "12",
                                "cutoff": "16:30"}).status_code == 302
    with tenant_context(world["community"].id):
        settings = meals.settings_of(offers.get_offer(world["canteen"]))
        assert settings.prices == {"lunch": {"elderly": 750, "anyone": 1200}} and settings.cutoff == "16:30"
    neighbour = Browser(app.test_client())
    neighbour.login(world["neighbour"])
    assert neighbour.get(url).status_code == 403


def test_manifest_page_sends_the_same_number_of_statements_for_more_meals(app, world, count_sql):
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    url = f"/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01"

    def add_people(n, tag):
        with tenant_context(world["community"].id):
            offers.update_offer(offers.get_offer(world["canteen"]), {"capacity": 100})
            for i in range(n):
                person = residents.create_resident({"name": f"{tag}{i}", "birth_date": date(1950, 1, 1),
                                                    "building": str(i % 4)}, actor_id=None)
                db.session.flush()
                meals.request_plan(PlanIn().load({"resident_id": str(person.id), "offer_id": str(world["canteen"]),
                                                  "weekdays": ["tue"], "slots": ["lunch"], "mode": "delivery",
                                                  "starts_on": "2026-12-01"}), actor_id=None, confirm=True)
                if i % 2:  # and some one-off meals for the same day
                    _one_off(world, person.id, slot="dinner")
            db.session.commit()

    add_people(2, "甲")
    cook.get(url)
    with count_sql() as few:
        assert cook.get(url).status_code == 200
    add_people(20, "乙")
    cook.get(url)  # the messages of the new matches go out (in-process jobs) before the count
    with count_sql() as many:
        assert "乙19" in cook.get(url).get_data(as_text=True)
    assert many() == few(), "\n".join(s[:150] for s in many.statements[:40])


def test_the_coordinators_morning_shows_the_meal_table(app, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        _plan(world, "li")
        db.session.commit()
        clock(2026, 12, 1, 13)
        meals.mark_delivery(_orders(resident_id=world["li"], day=date(2026, 12, 1))[0], "missed", actor_id=None)
        db.session.commit()
        clock(2026, 12, 2, 8)
    staff = Browser(app.test_client())
    staff.login(world["coordinator"])
    page = staff.get("/c/meal/today").get_data(as_text=True)
    assert "今日助餐" in page and "长者餐桌" in page and "2 份，已标记 0 份" in page
    assert "昨天以来未送达" in page and "李建国" in page


def test_eleven_families_ordering_again_for_five_free_places_get_exactly_five(app, world):
    with tenant_context(world["community"].id):
        offers.update_offer(offers.get_offer(world["canteen"]), {"capacity": 1})
        _plan(world, weekdays=["tue"])
        for i in range(11):
            person = residents.create_resident({"name": f"老人{i}", "birth_date": date(1945, 1, 1)}, actor_id=None)
            db.session.flush()
            _plan(world, resident_id=str(person.id), weekdays=["tue"])
        waiting = [o.id for o in _orders(day=date(2026, 12, 1), status="unplaced")]
        assert len(waiting) == 11
        offers.update_offer(offers.get_offer(world["canteen"]), {"capacity": 6})  # five more places
        db.session.commit()
    results = in_threads(app, world["community"].id,
                          lambda order_id: meals.restore_order(meals.get_order(order_id), actor_id=None).status,
                          waiting)
    assert sorted(results) == ["capacity"] * 6 + ["ordered"] * 5, results
    with tenant_context(world["community"].id):
        assert len(_orders(day=date(2026, 12, 1), status="ordered")) == 6
        assert _booked(world["canteen"], "2026-12-01:lunch") == 6


def test_two_order_runs_at_once_make_each_meal_once_and_book_it_once(app, world):
    with tenant_context(world["community"].id):
        for i in range(8):
            person = residents.create_resident({"name": f"老人{i}", "birth_date": date(1945, 1, 1)}, actor_id=None)
            db.session.flush()
            meals.request_plan(PlanIn().load({"resident_id": str(person.id), "offer_id": str(world["canteen"]),
                                              "weekdays": WEEKDAYS, "slots": ["lunch"], "starts_on": "2026-12-01"}),
                               actor_id=None, confirm=False)
        for plan in db.session.execute(select(MealPlan)).scalars():
            plan.status = "active"  # as if confirmed without making orders yet
        offers.update_offer(offers.get_offer(world["canteen"]), {"capacity": 5})
        db.session.commit()
    results = in_threads(app, world["community"].id, lambda _run: meals.daily_orders(), [1, 2])
    assert all(isinstance(r, int) for r in results), results
    with tenant_context(world["community"].id):
        tuesday = _orders(day=date(2026, 12, 1))
        assert len(tuesday) == 8  # one per plan, never two
        assert sum(o.status == "ordered" for o in tuesday) == 5 == _booked(world["canteen"], "2026-12-01:lunch")
        assert len(_orders()) == 8 * 4


def test_the_meals_overview_counts_todays_meals_per_canteen_for_staff(app, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        _plan(world, "li")
        db.session.commit()
    clock(2026, 12, 1, 9)
    staff = Browser(app.test_client())
    staff.login(world["coordinator"])
    page = staff.get("/c/meal/meals/").get_data(as_text=True)
    assert "长者餐桌" in page and "2 份，已标记 0 份" in page


# --- one-off meals: a meal need matched to the canteen is a meal of the day like a plan's ------------------

def _one_off(world, resident="wang", day="2026-12-01", slot="lunch", confirm=True):
    """A resident's one-off meal need, proposed to the canteen, accepted by the cook and (by default) confirmed."""
    from app.matching import services as matching  # only the one-off meal tests match needs
    from app.needs import services as needs  # only the one-off meal tests register needs
    from app.needs.schemas import NeedIn  # only the one-off meal tests register needs

    need = needs.create_need(NeedIn().load({"kind": "meal", "title": "明天的午饭", "day": day, "slot": slot,
                                            "resident_id": str(world.get(resident, resident))}),
                             actor_id=world["coordinator"].id, tz=TZ)
    match = matching.propose(need, world["canteen"], actor_id=world["coordinator"].id)
    matching.accept(match, actor_id=world["cook"].id)
    if confirm:
        matching.confirm(match, actor_id=world["coordinator"].id)
    db.session.flush()
    return need, match


def test_a_confirmed_one_off_meal_is_on_the_manifest_delivered_from_it_and_on_the_statements(app, client, world,
                                                                                              clock):
    with tenant_context(world["community"].id):
        _plan(world, "li", mode="dine_in")
        need, match = _one_off(world)
        db.session.commit()
        need_id, match_id = need.id, match.id
        # One place for li's plan, one for the one-off meal: booked once, not twice.
        assert _booked(world["canteen"], "2026-12-01:lunch") == 2
    cook_api = token_for(client, world["cook"])
    url = f"/api/v1/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01"
    body = client.get(url, headers=cook_api).get_json()
    assert body["total"] == 2 and body["counts"] == {"lunch": {"delivery": 1, "dine_in": 1}}
    wang = next(r for r in body["rows"] if r["name"] == "王秀英")
    assert wang["one_off"] is True and wang["diet_notes"] == "少盐，软食" and wang["room"] == "301"
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    page = cook.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01").get_data(as_text=True)
    assert "王秀英" in page and "李建国" in page and "3-2-301" in page
    sheet = cook.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest.xlsx?day=2026-12-01")
    assert any("王秀英" in row for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))

    # On the day the canteen marks it delivered on its manifest: the match is delivered, the need done.
    clock(2026, 12, 1, 12, 30)
    cook.login(world["cook"])  # a day later: signed in again
    marked = cook.post(f"/c/meal/meals/orders/{wang['order_id']}/delivery",
                       data={"outcome": "delivered", "day": "2026-12-01"})
    assert marked.status_code == 302
    staff = token_for(client, world["coordinator"])
    assert client.get(f"/api/v1/c/meal/matches/{match_id}", headers=staff).get_json()["status"] == "delivered"
    assert client.get(f"/api/v1/c/meal/needs/{need_id}", headers=staff).get_json()["status"] == "done"
    # The statements count it, at her price.
    family = token_for(client, world["family"])
    december = client.get(f"/api/v1/c/meal/meals/residents/{world['wang']}/statement?month=2026-12",
                          headers=family).get_json()
    assert december["counts"] == {"delivered": 1} and december["amount_cents"] == 800
    canteen = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/statement?month=2026-12",
                         headers=cook_api).get_json()
    assert canteen["counts"]["delivered"] == 1 and canteen["amount_cents"] == 800
    # Delivered and rated-for, it can no longer be marked missed.
    again = client.post(f"/api/v1/c/meal/meals/orders/{wang['order_id']}/delivery", json={"outcome": "missed"},
                        headers=cook_api)
    assert again.status_code == 409


def test_a_missed_one_off_meal_reaches_the_coordinator_and_a_cancelled_need_leaves_the_manifest(app, client, world,
                                                                                                clock):
    with tenant_context(world["community"].id):
        _one_off(world)
        later, _match = _one_off(world, "li", day="2026-12-02")
        db.session.commit()
        later_id = later.id
    cook_api = token_for(client, world["cook"])
    rows = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01",
                      headers=cook_api).get_json()["rows"]
    # The one-off meal is marked "delivered" only on its day (the unit cannot mark tomorrow's meal today).
    early = client.post(f"/api/v1/c/meal/meals/orders/{rows[0]['order_id']}/delivery",
                        json={"outcome": "delivered"}, headers=cook_api)
    assert early.status_code == 422
    clock(2026, 12, 1, 13)
    missed = client.post(f"/api/v1/c/meal/meals/orders/{rows[0]['order_id']}/delivery",
                         json={"outcome": "missed", "note": "敲门无人应"}, headers=cook_api)
    assert missed.status_code == 200
    staff = Browser(app.test_client())
    staff.login(world["coordinator"])
    assert "王秀英" in staff.get("/c/meal/meals/missed").get_data(as_text=True)
    # A cancelled need takes its meal off the next day's manifest and gives its place back, once.
    with tenant_context(world["community"].id):
        assert _booked(world["canteen"], "2026-12-02:lunch") == 1
    cancelled = client.post(f"/api/v1/c/meal/needs/{later_id}/moves", json={"to": "cancelled"},
                            headers=token_for(client, world["coordinator"]))
    assert cancelled.status_code == 200, cancelled.get_json()
    body = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-02",
                      headers=cook_api).get_json()
    assert body["total"] == 0
    with tenant_context(world["community"].id):
        assert _booked(world["canteen"], "2026-12-02:lunch") == 0


def test_a_delivery_mark_applies_only_to_its_manifests_day(app, client, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        db.session.commit()
        tuesday, wednesday = (o.id for o in _orders(resident_id=world["wang"])[:2])
    clock(2026, 12, 2, 12)  # Wednesday: both days can be marked
    cook = Browser(app.test_client())
    cook.login(world["cook"])
    cook.get(f"/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-01")
    # Wednesday's meal posted from Tuesday's manifest: refused with why, nothing changed.
    wrong = cook.post(f"/c/meal/meals/orders/{wednesday}/delivery", data={"outcome": "delivered", "day": "2026-12-01"},
                      follow_redirects=True)
    text = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "2026-12-02" in text and "2026-12-01" in text
    headers = token_for(client, world["cook"])
    api = client.post(f"/api/v1/c/meal/meals/orders/{wednesday}/delivery",
                      json={"outcome": "missed", "day": "2026-12-01"}, headers=headers)
    assert api.status_code == 422 and "2026-12-02" in api.get_json()["error"]["fields"]["day"][0]
    # A mark without its manifest's day, or with a day that is no day, is refused too.
    assert cook.post(f"/c/meal/meals/orders/{tuesday}/delivery", data={"outcome": "delivered"}).status_code == 302
    assert cook.post(f"/c/meal/meals/canteens/{world['canteen']}/delivered", data={"day": "2026-13-01"}) \
        .status_code == 302
    with tenant_context(world["community"].id):
        assert {o.status for o in _orders(resident_id=world["wang"])} == {"ordered"}
        assert not db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "meal.missed")).first()
    # From its own manifest it is marked.
    assert cook.post(f"/c/meal/meals/orders/{wednesday}/delivery",
                     data={"outcome": "delivered", "day": "2026-12-02"}).status_code == 302
    with tenant_context(world["community"].id):
        assert db.session.get(MealOrder, wednesday).status == "delivered"


def test_skipping_a_one_off_meal_before_the_cutoff_cancels_its_need_and_frees_its_place(app, client, world):
    with tenant_context(world["community"].id):
        need, _match = _one_off(world, day="2026-12-02")
        db.session.commit()
        need_id = need.id
        order_id = _orders(resident_id=world["wang"])[0].id
    family = token_for(client, world["family"])  # the daughter, on her mother's coming meals
    coming = client.get("/api/v1/c/meal/meals/orders", headers=family).get_json()["items"]
    assert [(o["id"], o["plan_id"], o["cancellable"]) for o in coming] == [(str(order_id), None, True)]
    skipped = client.post(f"/api/v1/c/meal/meals/orders/{order_id}/cancel", headers=family)
    assert skipped.status_code == 200 and skipped.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/c/meal/meals/orders/{order_id}/restore", headers=family)
    assert again.status_code == 409  # a one-off meal is asked for again as a new need
    staff = token_for(client, world["coordinator"])
    assert client.get(f"/api/v1/c/meal/needs/{need_id}", headers=staff).get_json()["status"] == "cancelled"
    with tenant_context(world["community"].id):
        assert _booked(world["canteen"], "2026-12-02:lunch") == 0
    body = client.get(f"/api/v1/c/meal/meals/canteens/{world['canteen']}/manifest?day=2026-12-02",
                      headers=token_for(client, world["cook"])).get_json()
    assert body["total"] == 0


def test_a_meal_past_its_cutoff_says_why_it_can_no_longer_be_skipped(app, world, clock):
    with tenant_context(world["community"].id):
        _plan(world)
        db.session.commit()
    clock(2026, 11, 30, 17, 1)  # Tuesday's orders closed at 17:00 on Monday; Wednesday's are still open
    page = browser_for(app, world["family"]).get("/c/meal/meals/").get_data(as_text=True)
    assert page.count("已过截止时间：如需变动请联系社区办公室") == 1 and "跳过这一餐" in page
