"""The domains' parts of the year (app.yearbook): units, activities, needs, meals and public works counted from
their records on a small known world, in community time, in a fixed number of statements however much data the
year holds."""
import secrets
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app import history, yearbook
from app.activities.models import Activity, CulturalPoint, Registration
from app.applications.models import UnitApplication
from app.core.extensions import db
from app.history import StatusChange
from app.matching.models import Match
from app.meals.models import MealOrder
from app.needs.models import Need
from app.publicworks.models import PublicWorksLine, PublicWorksRequest
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, canteen_lunch, member

TZ = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


def add_activity(kind, start, status, organiser=None, walk_ins=0, came=0):
    activity = Activity(kind=kind, title=f"{kind}活动", starts_at=start, ends_at=start.replace(hour=start.hour + 2),
                        status=status, organiser_unit_id=organiser, walk_ins=walk_ins)
    db.session.add(activity)
    db.session.flush()
    for i in range(came):
        db.session.add(Registration(activity_id=activity.id, name=f"来宾{i}", code=secrets.token_hex(8),
                                    checked_in_at=start))
    return activity


def add_need(kind, created, status, offer_id=None, confirmed=None):
    need = Need(kind=kind, title=f"{kind}需求", window_start=created, window_end=created, status=status,
                created_at=created)
    db.session.add(need)
    db.session.flush()
    if confirmed is not None:
        match = Match(need_id=need.id, offer_id=offer_id, occurrence="all", status="confirmed")
        db.session.add(match)
        db.session.flush()
        db.session.add(StatusChange(object_type="match", object_id=match.id, from_status="accepted",
                                    to_status="confirmed", at=confirmed))
    return need


def add_meal(offer_id, day, slot, mode, quantity=1, status="delivered"):
    db.session.add(MealOrder(offer_id=offer_id, day=day, slot=slot, mode=mode, quantity=quantity, status=status,
                             beneficiary="邻里"))


def add_works(filed, done_on, status, lines):
    request = PublicWorksRequest(category="road", title="修路", status=status, filed_on=filed, done_on=done_on)
    db.session.add(request)
    db.session.flush()
    for i, (measure, planned, made) in enumerate(lines):
        db.session.add(PublicWorksLine(request_id=request.id, position=i, description="一段", measure=measure,
                                       planned=Decimal(planned), done=Decimal(made)))


def grow(offer_id, school_id, n: int) -> None:
    """`n` more of everything in 2026 (for the statement counts)."""
    for i in range(n):
        units.create_unit({"name": f"新单位{n}-{i}", "type": "enterprise"})
        add_activity("training", at(2026, 4, 1 + i % 20, 9), "recorded", organiser=school_id, came=2)
        add_need("legal", at(2026, 4, 1 + i % 20, 9), "done", offer_id, confirmed=at(2026, 4, 2 + i % 20, 9))
        add_meal(offer_id, date(2026, 4, 1 + i % 20), "dinner", "delivery")
        add_works(date(2026, 4, 1 + i % 20), None, "in_progress", [("pieces", "1", "0")])
    db.session.commit()


@pytest.fixture
def year_world(app, clock):
    """柳荫街社区 on 15 June 2026, with a year of records (and a few of 2025 that must not count)."""
    clock(2026, 6, 15, 10)
    community = CommunityFactory(slug="yb", name="柳荫街社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    cook = member(community, "unit", name="厨师老王")
    with tenant_context(community.id):
        canteen, lunch = canteen_lunch(cook)  # a property company
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        units.create_unit({"name": "孙记便民店", "type": "shop"})
        gone = units.create_unit({"name": "搬走的公司", "type": "enterprise"})
        units.change_status(gone, "withdrawn", actor_id=staff.id, note="搬走了", tell=False)
        db.session.add(UnitApplication(unit_name="新来的书店", unit_type="shop", credit_code="91110000000000000X",
                                       address="柳荫街2号", contact_name="李", contact_mobile="13900000001",
                                       consent_at=at(2026, 3, 1, 9), status="admitted", decided_at=at(2026, 3, 9, 9)))
        db.session.add(UnitApplication(unit_name="去年的花店", unit_type="shop", credit_code="91110000000000001X",
                                       address="柳荫街3号", contact_name="王", contact_mobile="13900000002",
                                       consent_at=at(2025, 3, 1, 9), status="admitted", decided_at=at(2025, 3, 9, 9)))

        # Activities: two salons with their record (one by the school), a training held without one, one last
        # year and one cancelled: neither counts. The school is a cultural point (four a year): two so far.
        add_activity("salon", at(2026, 1, 10, 9), "recorded", organiser=school.id, walk_ins=3, came=2)
        add_activity("salon", at(2026, 3, 8, 9), "closed", organiser=school.id, came=1)
        add_activity("training", at(2026, 3, 20, 14), "held")
        add_activity("salon", at(2025, 12, 20, 9), "recorded", organiser=school.id, came=5)
        add_activity("training", at(2026, 5, 1, 9), "cancelled")
        db.session.add(CulturalPoint(name="柳荫小学文化角", unit_id=school.id, yearly_target=4))

        # Needs: met after 2, 4 and 6 days; one unmet; one of last year.
        add_need("meal", at(2026, 2, 1, 10), "done", lunch.id, confirmed=at(2026, 2, 3, 10))
        add_need("meal", at(2026, 3, 1, 10), "in_service", lunch.id, confirmed=at(2026, 3, 5, 10))
        add_need("legal", at(2026, 4, 1, 10), "unmet")
        add_need("legal", at(2026, 5, 1, 10), "done", lunch.id, confirmed=at(2026, 5, 7, 10))
        add_need("meal", at(2025, 12, 1, 10), "done", lunch.id, confirmed=at(2025, 12, 2, 10))

        # Meals: three lunches eaten at the canteen in January, two delivered in February; a missed dinner and
        # a meal of last year do not count.
        for day in (5, 6, 7):
            add_meal(lunch.id, date(2026, 1, day), "lunch", "dine_in")
        add_meal(lunch.id, date(2026, 2, 10), "lunch", "delivery", quantity=2)
        add_meal(lunch.id, date(2026, 2, 10), "dinner", "delivery", status="missed")
        add_meal(lunch.id, date(2025, 12, 31), "lunch", "dine_in")

        # Public works: one done (road surface and kerb), one in progress, one of last year.
        add_works(date(2026, 3, 1), date(2026, 4, 1), "done", [("m2", "100", "100"), ("m", "50.5", "20")])
        add_works(date(2026, 5, 1), None, "in_progress", [("pieces", "10", "0")])
        add_works(date(2025, 5, 1), date(2025, 6, 1), "done", [("m2", "999", "999")])
        db.session.commit()
        ids = {"school": school.id, "offer": lunch.id}
    return {"community": community, "staff": staff, **ids}


def _parts(community, year=2026) -> dict:
    with tenant_context(community.id):
        return {p.name: p for p in yearbook.parts(year)}


def _values(part) -> dict:
    return {f.key: f.value for f in part.figures}


def test_the_units_part_counts_active_units_by_type_admissions_and_withdrawals_of_the_year(year_world):
    part = _parts(year_world["community"])["units"]
    assert _values(part) == {"units": 3, "units_admitted": 1, "units_withdrawn": 1}
    assert part.figure("units").street
    assert sorted(part.tables[0].rows) == [["个体门店", 1], ["学校", 1], ["物业公司", 1]]


def test_the_activities_part_counts_held_recorded_attendance_and_cultural_points(year_world):
    part = _parts(year_world["community"])["activities"]
    assert _values(part) == {"activities": 3, "activities_recorded": 2, "attendance": 6,
                             "cultural_points_met": "0/1"}
    assert part.figure("activities").street
    by_kind = {row[0]: row[1:] for row in part.tables[0].rows}
    assert by_kind == {"会员沙龙": [2, 2, 6], "培训/讲座": [1, 0, 0]}
    assert part.tables[1].rows == [["柳荫小学文化角", 2, 4]]
    by_month = next(c for c in part.charts if c.title == "每月举办的活动")
    assert by_month.series[0].values[:5] == (1, 0, 2, 0, 0)


def test_the_needs_part_counts_met_and_unmet_and_the_median_days_to_a_confirmed_match(year_world):
    part = _parts(year_world["community"])["needs"]
    assert _values(part) == {"needs": 4, "needs_met": 3, "needs_unmet": 1, "median_days_to_match": 4}
    assert part.figure("needs_met").street and not part.figure("needs").street
    by_kind = {row[0]: row[1:] for row in part.tables[0].rows}
    assert by_kind["助餐"] == [2, 2, 0, 3.0]
    assert by_kind["法律援助"] == [2, 1, 1, 6.0]
    chart = part.charts[0]
    assert chart.series[1].values[:6] == (0, 1, 1, 0, 1, 0)


def test_the_meals_part_counts_served_meals_by_slot_and_way_and_month(year_world):
    part = _parts(year_world["community"])["meals"]
    assert _values(part) == {"meals_served": 5, "meals_dine_in": 3, "meals_delivered": 2}
    assert part.figure("meals_served").street
    assert part.tables[0].rows == [["午餐", 3, 2, 5]]
    dine_in, delivery = part.charts[0].series
    assert dine_in.values[:2] == (3, 0) and delivery.values[:2] == (0, 2)


def test_the_public_works_part_sums_quantities_by_measure(year_world):
    part = _parts(year_world["community"])["public_works"]
    assert _values(part) == {"public_works_filed": 2, "public_works_done": 1}
    assert part.tables[0].rows == [["平方米", 100, 100], ["米", 50.5, 20], ["个", 10, 0]]


def test_a_year_without_records_has_no_parts_and_a_part_survives_its_json(year_world):
    before = _parts(year_world["community"], 2024)  # the units' types and the cultural points are of now
    assert set(before) == {"units", "activities"} and _values(before["activities"])["activities"] == 0
    for part in _parts(year_world["community"]).values():
        assert yearbook.Part.from_dict(part.as_dict()).as_dict() == part.as_dict()


def test_every_part_takes_the_same_statements_as_the_year_grows(year_world, count_sql):
    community = year_world["community"]

    def statements() -> int:
        with tenant_context(community.id):
            yearbook.parts(2026)  # the community's time zone is read once per request
            with count_sql() as n:
                found = yearbook.parts(2026)
            assert len(found) == 5
            return n()

    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 3)
    few = statements()
    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 25)
    assert statements() == few
    assert few <= 16


def test_history_of_a_unit_withdrawn_last_year_does_not_count(year_world):
    with tenant_context(year_world["community"].id):
        unit = units.get_unit(year_world["school"])
        history.record(unit, "active", actor_id=None)  # a status entry that is not a withdrawal
        db.session.commit()
    assert _values(_parts(year_world["community"], 2026)["units"])["units_withdrawn"] == 1
    assert "units" not in _parts(year_world["community"], 2025) or \
        _values(_parts(year_world["community"], 2025)["units"])["units_withdrawn"] == 0
