"""A small known year of one community (柳荫街社区, slug yb): units, activities, needs, meals and public works of
2026 (and a few of 2025 that must not count), for the yearbook's parts, the yearly report and its query counts."""
import secrets
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from app.activities.models import Activity, CulturalPoint, Registration
from app.applications.models import UnitApplication
from app.core.extensions import db
from app.history import StatusChange
from app.matching.models import Match
from app.meals.models import MealOrder
from app.needs.models import Need
from app.publicworks.models import PublicWorksLine, PublicWorksRequest
from app.residents import services as residents
from app.residents.models import SensitiveAttributes
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


def add_need(kind, created, status, offer_id=None, confirmed=None, resident_id=None):
    need = Need(kind=kind, title=f"{kind}需求", window_start=created, window_end=created, status=status,
                created_at=created, resident_id=resident_id)
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


def build_year_world(clock) -> dict:
    """柳荫街社区 (slug yb) on 15 June 2026, with a year of records (and a few of 2025 that must not count)."""
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

        # Needs: met after 2, 4 and 6 days (the last of a blind resident's); one unmet; one of last year.
        add_need("meal", at(2026, 2, 1, 10), "done", lunch.id, confirmed=at(2026, 2, 3, 10))
        add_need("meal", at(2026, 3, 1, 10), "in_service", lunch.id, confirmed=at(2026, 3, 5, 10))
        add_need("legal", at(2026, 4, 1, 10), "unmet")
        blind = residents.create_resident({"name": "李大爷"}, actor_id=staff.id)
        db.session.add(SensitiveAttributes(resident_id=blind.id, disability_category="visual", disability_grade=2))
        add_need("legal", at(2026, 5, 1, 10), "done", lunch.id, confirmed=at(2026, 5, 7, 10), resident_id=blind.id)
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
