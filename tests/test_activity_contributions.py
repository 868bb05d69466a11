"""What a unit gave the joint activities in a year, from the records: the hours its venues were lent (confirmed
dates), the activities it organised and co-organised (held and recorded), its people who came — in community
time, in a fixed number of statements, and on the yearly review, where a unit that lent its hall or held an
activity is not flagged as having contributed nothing."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.activities import services as activities
from app.activities.contributions import contributions as facts
from app.core.extensions import db
from app.photos import services as photos
from app.reviews import services as reviews
from app.reviews.contributions import Figures, contributions
from app.units import services as units
from app.units.models import Unit
from app.venues import services as venues
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, image_bytes, member

TZ = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


def _record(activity, staff_id):
    photos.add_photos(activities.PHOTO_OWNER, activity.id, [("a.png", image_bytes())], ["合影"], consent=True,
                      actor_id=staff_id)
    activities.record(activity, text="记录", actor_id=staff_id)


@pytest.fixture
def lent(app, clock, tmp_path):
    """A school lends its hall across the turn of 2025 to 2026 and holds activities with a cultural centre."""
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2025, 12, 1, 10)
    community = CommunityFactory(slug="lent", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    council = member(community, "council", name="赵理事")
    with tenant_context(community.id):
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        centre = units.create_unit({"name": "社区文化中心", "type": "social_org"})
        idle = units.create_unit({"name": "安静科技公司", "type": "enterprise"})
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={},
                                   needs_confirmation=False, book_ahead_days=400)

        def book(start, end, **kw):
            return venues.request_booking(hall, starts_at=start, ends_at=end, purpose="合唱排练",
                                          requested_by_id=staff.id, unit_id=centre.id, **kw)

        book(at(2025, 12, 20, 9), at(2025, 12, 20, 11, 30))  # 2.5 h in 2025
        book(at(2025, 12, 29, 19), at(2025, 12, 29, 21), frequency="weekly", count=2)  # 2 h in 2025, 2 h in 2026
        book(at(2026, 1, 1, 7), at(2026, 1, 1, 8))  # 31 December 23:00 in UTC, 1 January in Beijing: 2026
        cancelled = book(at(2026, 2, 2, 10), at(2026, 2, 2, 12))
        venues.cancel_booking(cancelled, actor_id=staff.id)  # given back: lent nothing

        def propose(title, start, organiser, co):
            activity = activities.propose(actor_id=staff.id, kind="salon", title=title, starts_at=start,
                                          ends_at=start.replace(hour=start.hour + 2), organiser_unit_id=organiser,
                                          capacity=10)
            if co:
                activity = activities.update_activity(activity, {}, co_organiser_ids=[co])
            activities.approve(activity, actor_id=staff.id)
            activities.set_place(activity, "社区广场", actor_id=staff.id)
            return activity

        salon = propose("冬至包饺子", at(2025, 12, 21, 9), school.id, centre.id)
        unrecorded = propose("读书会", at(2025, 12, 22, 9), school.id, None)  # held, never recorded
        concert = propose("新年音乐会", at(2026, 1, 10, 9), centre.id, school.id)
        came = [activities.sign_up(salon, actor_id=staff.id, name=name, unit_id=unit)
                for name, unit in (("教师甲", school.id), ("社工乙", centre.id), ("社工丙", centre.id),
                                   ("社工丁", centre.id))]
        audience = activities.sign_up(concert, actor_id=staff.id, name="社工乙", unit_id=centre.id)
        db.session.commit()

        clock(2025, 12, 21, 9, 30)
        for registration in came[:3]:  # 社工丁 did not come
            activities.check_in(registration, actor_id=staff.id)
        clock(2025, 12, 23, 9)
        activities.held_due()
        _record(salon, staff.id)
        db.session.commit()
        assert activities.get_activity(unrecorded.id).status == "held"

        clock(2026, 1, 10, 9, 15)
        activities.check_in(audience, actor_id=staff.id)
        clock(2026, 1, 12, 9)
        activities.held_due()
        _record(concert, staff.id)
        activities.close(concert, actor_id=staff.id)
        db.session.commit()
        yield {"community": community, "staff": staff, "council": council, "school": school.id,
               "centre": centre.id, "idle": idle.id}


def test_a_units_venue_hours_activities_and_people_come_from_the_records_of_each_year(lent):
    with tenant_context(lent["community"].id):
        school, centre, idle = lent["school"], lent["centre"], lent["idle"]
        assert facts(2025, [school, centre, idle]) == {
            school: {"venue_hours": 4.5, "organised": 1, "co_organised": 0, "attended": 1},
            centre: {"venue_hours": 0.0, "organised": 0, "co_organised": 1, "attended": 2},
            idle: {"venue_hours": 0.0, "organised": 0, "co_organised": 0, "attended": 0}}
        assert facts(2026) == {
            school: {"venue_hours": 3.0, "organised": 0, "co_organised": 1, "attended": 0},
            centre: {"venue_hours": 0.0, "organised": 1, "co_organised": 0, "attended": 1}}
        assert facts(2024) == {}
        # The review's figures carry them; lending a hall or holding an activity is a contribution.
        year = contributions(2025, [school, centre, idle])
        assert (year[school].venue_hours, year[school].organised) == (4.5, 1) and not year[school].nothing
        assert (year[centre].co_organised, year[centre].attended) == (1, 2) and not year[centre].nothing
        assert year[idle] == Figures() and year[idle].nothing
        assert Figures(attended=3).nothing  # only sending people to others' activities is not enough
        assert Figures.from_dict(year[school].as_dict()) == year[school]
        assert Figures.from_dict({"matches": 1}) == Figures(matches=1)  # a review closed before keeps its figures


def _card(html: str, name: str) -> str:
    cards = re.findall(r'<li class="card review-unit[^"]*".*?</li>', html, flags=re.S)
    return next(card for card in cards if name in card)


def test_the_review_page_shows_venue_hours_and_activities_and_keeps_them_at_closing(app, lent):
    council = browser_for(app, lent["council"])
    assert council.post("/c/lent/reviews/", data={"year": "2025"}).status_code == 302
    with tenant_context(lent["community"].id):
        review = reviews.review_of_year(2025)
        review_id = review.id
    html = council.get(f"/c/lent/reviews/{review_id}").get_data(as_text=True)
    school = _card(html, "柳荫小学")
    assert "出借场地（小时）" in school and "<dd>4.5</dd>" in school and "review-unit flagged" not in school
    assert re.search(r"主办活动</dt><dd>1", school)
    centre = _card(html, "社区文化中心")
    assert "另协办 1 场" in centre and re.search(r"参加活动人次</dt><dd>2", centre)
    assert "review-unit flagged" not in centre
    assert "review-unit flagged" in _card(html, "安静科技公司")
    # Closing stores what was seen: the closed review shows the same hours, whatever is lent later.
    with tenant_context(lent["community"].id):
        review = reviews.get_review(review_id)
        assert reviews.keep_unflagged(review, actor_id=lent["council"].id) == 2  # the school and the centre
        idle = next(e for e in review.entries if e.unit_id == lent["idle"])
        reviews.decide(review, idle, "keep", actor_id=lent["council"].id)
        reviews.close_review(review, actor_id=lent["council"].id)
        db.session.commit()
        stored = next(e for e in reviews.get_review(review_id).entries if e.unit_id == lent["school"]).figures
        assert (stored["venue_hours"], stored["organised"]) == (4.5, 1)
    html = council.get(f"/c/lent/reviews/{review_id}").get_data(as_text=True)
    assert "<dd>4.5</dd>" in _card(html, "柳荫小学")


def test_the_facts_take_four_statements_for_3_units_as_for_30(app, lent, count_sql):
    def grow(n):
        with tenant_context(lent["community"].id):
            for i in range(n):
                unit = units.create_unit({"name": f"单位{n}-{i}", "type": "shop"})
                room = venues.create_venue(unit_id=unit.id, name=f"活动室{n}-{i}", capacity=20, hours={},
                                           needs_confirmation=False, book_ahead_days=400)
                venues.request_booking(room, starts_at=at(2026, 3, 2, 9), ends_at=at(2026, 3, 2, 10),
                                       purpose="排练", requested_by_id=None)
            db.session.commit()

    def statements() -> int:
        with tenant_context(lent["community"].id):
            ids = list(db.session.execute(select(Unit.id)).scalars())
            with count_sql() as n:
                found = facts(2026, ids)
            assert len(found) == len(ids) and sum(f["venue_hours"] > 0 for f in found.values()) == len(ids) - 2
            return n()

    grow(3)
    few = statements()
    grow(27)
    assert statements() == few == 4
