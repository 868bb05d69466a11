"""The public calendar: a visitor without an account sees the community's public activities (a month back, three
months ahead) with their time, place, the venue's accessibility, the organising unit and the places left, and a
closed one's record with its public photos — never a registrant's name or phone; the same as iCalendar."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.activities import services as activities
from app.core.extensions import db
from app.photos import services as photos
from app.residents import services as residents
from app.venues import services as venues
from tenants.context import tenant_context
from tenants.models import Community
from tests.factories import CommunityFactory, UnitFactory, browser_for, image_bytes, member

TZ = ZoneInfo("Asia/Shanghai")
SLUG = "willow"
NAMES = ("欧阳翠花", "司马秋菊")
PHONES = ("13912345678", "13987654321")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def willow(app, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 1, 10)
    community = CommunityFactory(slug=SLUG, name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={},
                                   needs_confirmation=False, step_free=True, lift=False,
                                   accessibility_note="东门有坡道")
        people = [residents.create_resident({"name": name, "phone": phone}, actor_id=staff.id)
                  for name, phone in zip(NAMES, PHONES, strict=True)]

        def make(title, day, **kw):
            return activities.propose(actor_id=staff.id, kind=kw.pop("kind", "training"), title=title,
                                      starts_at=at(2026, 11, day, 9), ends_at=at(2026, 11, day, 11), **kw)

        # Held and closed with its record, a public photo and a private one (the clock moves on to it).
        past = make("重阳登高", 5, kind="culture_sports", place="西山公园")
        activities.approve(past, actor_id=staff.id)
        db.session.commit()
        lecture = make("健康讲座：冬季防跌倒", 10, capacity=30, organiser_unit_id=school.id)
        activities.approve(lecture, actor_id=staff.id)
        activities.book_venue(lecture, hall, actor_id=staff.id)
        for person in people:
            activities.sign_up(lecture, actor_id=staff.id, resident=person)
        secret = make("理事会内部会议", 12, place="会议室", public=False)
        activities.approve(secret, actor_id=staff.id)
        pending = make("尚未批准的沙龙", 14, kind="salon", place="活动室")
        db.session.commit()
        for person in people:
            activities.sign_up(past, actor_id=staff.id, resident=person)
        db.session.commit()
        shown_photo, hidden_photo = photos.add_photos(
            activities.PHOTO_OWNER, past.id, [("a.png", image_bytes()), ("b.png", image_bytes(color=(0, 0, 200)))],
            ["大家在山顶合影", "报名表特写"], consent=True, actor_id=staff.id)
        photos.set_public(shown_photo, True)
        db.session.commit()
        ids = {"past": past.id, "lecture": lecture.id, "secret": secret.id, "pending": pending.id,
               "shown_photo": shown_photo.id, "hidden_photo": hidden_photo.id}
    clock(2026, 11, 6, 10)
    with tenant_context(community.id):
        past = activities.get_activity(ids["past"])
        activities.held_due()
        activities.record(past, text="二十位居民登上西山，互相照应。", walk_ins=3, actor_id=staff.id)
        activities.close(past, actor_id=staff.id)
        db.session.commit()
    return {"community": community, "staff": staff, **ids}


def test_the_calendar_shows_public_activities_and_no_personal_data(app, willow):
    visitor = app.test_client()
    page = visitor.get(f"/c/{SLUG}/calendar")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in ("重阳登高", "健康讲座：冬季防跌倒", "学校礼堂", "柳荫小学", "西山公园", "东门有坡道", "文体活动",
                  "二十位居民登上西山，互相照应。", "大家在山顶合影", "2026年11月"):
        assert shown in text, shown
    assert "剩余名额" in text and ">28<" in text.replace("</dd>", "<").replace("<dd>", ">")
    for hidden in ("理事会内部会议", "尚未批准的沙龙", "报名表特写", *NAMES, *PHONES, "5678", "4321"):
        assert hidden not in text, hidden
    # The public photo's thumbnail is served to the visitor; the other one is not.
    assert f"/c/{SLUG}/photos/{willow['shown_photo']}/thumb" in text
    assert visitor.get(f"/c/{SLUG}/photos/{willow['shown_photo']}/thumb").status_code == 200
    assert visitor.get(f"/c/{SLUG}/photos/{willow['hidden_photo']}/thumb").status_code == 404
    # The association's public page leads to it, and so does the visitor's menu on every public page.
    about = visitor.get(f"/c/{SLUG}/about").get_data(as_text=True)
    assert f'href="/c/{SLUG}/calendar"' in about
    menu = about.split('class="main-nav visitor-nav"')[1].split("</nav>")[0]
    assert f'href="/c/{SLUG}/calendar"' in menu and "活动日历" in menu


def test_the_calendar_feed_parses_back_in_utc_without_the_private_activity(app, willow, count_sql):
    from icalendar import Calendar

    visitor = app.test_client()
    visitor.get(f"/c/{SLUG}/calendar.ics")
    with count_sql() as statements:
        response = visitor.get(f"/c/{SLUG}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.get_data()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["重阳登高", "健康讲座：冬季防跌倒"]
    starts = [e.decoded("dtstart") for e in events]
    assert [s.utcoffset().total_seconds() for s in starts] == [0, 0]
    assert [s.astimezone(TZ) for s in starts] == [at(2026, 11, 5, 9), at(2026, 11, 10, 9)]
    assert [str(e["location"]) for e in events] == ["西山公园", "学校礼堂"]
    assert str(events[1]["uid"]).startswith(f"activity-{willow['lecture']}@")
    assert str(events[1]["url"]).endswith(f"/c/{SLUG}/calendar#activity-{willow['lecture']}")
    body = response.get_data(as_text=True)
    for hidden in ("理事会内部会议", *NAMES, *PHONES):
        assert hidden not in body
    assert statements() <= 8, statements.statements
    one = visitor.get(f"/c/{SLUG}/activities/{willow['lecture']}.ics")
    assert one.status_code == 200
    assert [str(e["summary"]) for e in Calendar.from_ical(one.get_data()).walk("VEVENT")] == ["健康讲座：冬季防跌倒"]
    for missing in (willow["secret"], willow["pending"], 999999):
        assert visitor.get(f"/c/{SLUG}/activities/{missing}.ics").status_code == 404


def test_the_calendar_costs_the_same_with_more_activities(app, willow, count_sql):
    visitor = app.test_client()
    counts = []
    for extra in (0, 4):
        with tenant_context(willow["community"].id):
            for i in range(extra):
                more = activities.propose(actor_id=willow["staff"].id, kind="salon", title=f"沙龙{i}",
                                          starts_at=at(2026, 11, 20, 9 + i), ends_at=at(2026, 11, 20, 10 + i),
                                          place="活动室")
                activities.approve(more, actor_id=willow["staff"].id)
            db.session.commit()
        visitor.get(f"/c/{SLUG}/calendar")
        with count_sql() as statements:
            assert visitor.get(f"/c/{SLUG}/calendar").status_code == 200
        counts.append(statements())
    assert counts[0] == counts[1], counts


def test_another_or_a_suspended_community_has_no_calendar(app, willow):
    visitor = app.test_client()
    other = CommunityFactory(slug="elsewhere", name="别处社区")
    assert visitor.get(f"/c/elsewhere/activities/{willow['lecture']}.ics").status_code == 404
    assert willow["lecture"] and other.id
    assert visitor.get("/c/no-such-place/calendar").status_code == 404
    community = db.session.get(Community, willow["community"].id)
    community.status = "suspended"
    db.session.commit()
    assert visitor.get(f"/c/{SLUG}/calendar").status_code == 404
    assert visitor.get(f"/c/{SLUG}/calendar.ics").status_code == 404
    assert browser_for(app, willow["staff"]).get(f"/c/{SLUG}/calendar").status_code == 404
