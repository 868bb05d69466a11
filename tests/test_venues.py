"""Venues that units lend and their bookings: every date checked against the hours, the closed periods and
the other confirmed bookings; one date cancelled or moved alone; never two confirmed bookings at once."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.notifications.models import OutboxEvent
from app.units import services as unit_services
from app.venues import services as venues
from app.venues.models import BookingOccurrence, Venue
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import CommunityFactory, UnitFactory, browser_for, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
WEEKDAYS = {d: [["09:00", "21:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def hall(app, clock):
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="hall", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    principal = member(community, "unit", name="校长")
    asker = member(community, "unit", name="社工")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        centre = UnitFactory(name="社区文化中心", type="ngo")
        db.session.flush()
        unit_services.add_representative(school, principal.id)
        unit_services.add_representative(centre, asker.id)
        venue = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=200,
                                    hours={**WEEKDAYS, "sat": [["08:00", "12:00"], ["14:00", "18:00"]]},
                                    book_ahead_days=120, step_free=True, lift=False, hearing_loop=True,
                                    accessibility_note="正门有坡道",
                                    closures=[{"starts_on": date(2026, 12, 24), "ends_on": date(2026, 12, 26),
                                               "reason": "圣诞装修"}])
        db.session.commit()
        yield {"community": community, "staff": staff, "principal": principal, "asker": asker,
               "school": school.id, "centre": centre.id, "venue": venue.id}


def _venue(hall):
    return venues.get_venue(hall["venue"])


def _ask(hall, starts_at, ends_at, **kw):
    return venues.request_booking(_venue(hall), starts_at=starts_at, ends_at=ends_at,
                                  purpose=kw.pop("purpose", "健康讲座"), requested_by_id=hall["asker"].id,
                                  unit_id=hall["centre"], **kw)


def test_a_venue_keeps_its_hours_closures_and_accessibility(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        assert venue.hours["sat"] == [["08:00", "12:00"], ["14:00", "18:00"]] and "sun" not in venue.hours
        assert [(c.starts_on, c.ends_on, c.reason) for c in venue.closures] == [
            (date(2026, 12, 24), date(2026, 12, 26), "圣诞装修")]
        assert venue.step_free and venue.hearing_loop and not venue.lift and venue.needs_confirmation
        with pytest.raises(ValidationFailed) as bad:
            venues.create_venue(unit_id=hall["school"], name=" ", capacity=0, hours={"mon": [["12:00", "09:00"]]},
                                book_ahead_days=0)
        assert set(bad.value.fields) == {"name", "capacity", "hours", "book_ahead_days"}


def test_each_date_is_checked_against_hours_closures_and_other_bookings(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        taken = _ask(hall, at(2026, 12, 12, 9), at(2026, 12, 12, 11), purpose="合唱排练")
        venues.confirm(taken, venue, actor_id=hall["principal"].id)
        db.session.commit()
        # Saturdays 9:00–11:00 from 5 December, weekly, five times: 12 Dec is taken, 26 Dec is closed.
        preview = _ask(hall, at(2026, 12, 5, 9), at(2026, 12, 5, 11), frequency="weekly", count=5, dry_run=True)
        assert [c.starts_at.astimezone(TZ).date() for c in preview] == [
            date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19), date(2026, 12, 26), date(2027, 1, 2)]
        assert [c.ok for c in preview] == [True, False, True, False, True]
        assert preview[1].problems == ["该时段已被预订。"] and preview[1].overlaps
        assert "圣诞装修" in preview[3].problems[0]
        # Edges that touch do not overlap: 11:00–12:00 right after the confirmed 9:00–11:00 is free.
        (after,) = venues.check(venue, [(at(2026, 12, 12, 11), at(2026, 12, 12, 12))])
        (before,) = venues.check(venue, [(at(2026, 12, 12, 8), at(2026, 12, 12, 9))])
        (across,) = venues.check(venue, [(at(2026, 12, 12, 10, 59), at(2026, 12, 12, 12))])
        assert after.ok and before.ok and not across.ok
        # Outside the hours: a Sunday, the lunch break on Saturday, a weekday evening past nine.
        outside = venues.check(venue, [(at(2026, 12, 6, 9), at(2026, 12, 6, 10)),
                                       (at(2026, 12, 5, 11), at(2026, 12, 5, 15)),
                                       (at(2026, 12, 7, 20), at(2026, 12, 7, 22))])
        assert all(c.problems == ["不在场地的可预订时间内。"] for c in outside)
        # Sending it as it is: every conflicting date is named, nothing saved.
        with pytest.raises(ValidationFailed) as bad:
            _ask(hall, at(2026, 12, 5, 9), at(2026, 12, 5, 11), frequency="weekly", count=5)
        assert [m[:10] for m in bad.value.fields["starts_at"]] == ["2026-12-12", "2026-12-26"]
        db.session.rollback()
        # Skipping the conflicting dates: three dates asked for, each its own row.
        booking = _ask(hall, at(2026, 12, 5, 9), at(2026, 12, 5, 11), frequency="weekly", count=5, skip=[1, 3])
        db.session.commit()
        assert [(o.status, o.starts_at.astimezone(TZ).day) for o in booking.occurrences] == [
            ("pending", 5), ("pending", 19), ("pending", 2)]
        # A skipped date added back later, once the other booking is cancelled.
        venues.cancel_booking(taken, actor_id=hall["asker"].id)
        added = venues.add_occurrence(booking, venue, starts_at=at(2026, 12, 12, 9), ends_at=at(2026, 12, 12, 11),
                                      actor_id=hall["asker"].id)
        db.session.commit()
        assert added.status == "pending" and len(booking.occurrences) == 4


def test_bad_input_is_told_per_field_in_chinese(hall):
    with tenant_context(hall["community"].id):
        cases = [
            (dict(starts_at=at(2026, 12, 7, 10), ends_at=at(2026, 12, 7, 9)), "ends_at",
             "预订的结束时间必须晚于开始时间。"),
            (dict(starts_at=at(2026, 12, 7, 10), ends_at=at(2026, 12, 7, 11), frequency="weekly"), "until",
             "重复预订需要结束日期或次数。"),
            (dict(starts_at=at(2027, 6, 7, 10), ends_at=at(2027, 6, 7, 11)), "starts_at",
             "2027-06-07 10:00: 太远了：此场地只接受 120 天内的预订。"),
            (dict(starts_at=at(2026, 12, 24, 10), ends_at=at(2026, 12, 24, 11)), "starts_at",
             "2026-12-24 10:00: 场地在此期间关闭（圣诞装修）。"),
            (dict(starts_at=at(2026, 12, 6, 10), ends_at=at(2026, 12, 6, 11)), "starts_at",
             "2026-12-06 10:00: 不在场地的可预订时间内。"),
            (dict(starts_at=at(2026, 12, 7, 10), ends_at=at(2026, 12, 7, 11), purpose=""), "purpose", None),
        ]
        for kw, field, message in cases:
            with pytest.raises(ValidationFailed) as bad:
                _ask(hall, **kw)
            assert field in bad.value.fields, kw
            if message:
                assert bad.value.fields[field] == [message]
        assert db.session.execute(select(func.count()).select_from(BookingOccurrence)).scalar_one() == 0


def test_a_recurring_booking_with_one_date_cancelled_and_one_moved(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        booking = _ask(hall, at(2026, 12, 1, 14), at(2026, 12, 1, 16), frequency="weekly", interval=1,
                       until=date(2026, 12, 22))
        venues.confirm(booking, venue, actor_id=hall["principal"].id)
        db.session.commit()
        first, second, third, fourth = booking.occurrences
        venues.cancel_occurrence(second, actor_id=hall["asker"].id)
        venues.move_occurrence(third, venue, starts_at=at(2026, 12, 16, 14), ends_at=at(2026, 12, 16, 16),
                               actor_id=hall["asker"].id)
        db.session.commit()
        assert [(o.status, o.starts_at.astimezone(TZ).day) for o in booking.occurrences] == [
            ("confirmed", 1), ("cancelled", 8), ("pending", 16), ("confirmed", 22)]
        # The cancelled date is free again for someone else.
        (freed,) = venues.check(venue, [(at(2026, 12, 8, 14), at(2026, 12, 8, 16))])
        assert freed.ok


def test_monthly_dates_keep_their_day_and_skip_short_months(hall):
    with tenant_context(hall["community"].id):
        dates = venues.expand(at(2026, 12, 31, 10), at(2026, 12, 31, 11), frequency="monthly", count=3)
        assert [s.astimezone(TZ).date() for s, _ in dates] == [date(2026, 12, 31), date(2027, 1, 31),
                                                               date(2027, 3, 31)]


def test_confirming_declines_the_overlapping_requests_and_says_so(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        ours = _ask(hall, at(2026, 12, 7, 14), at(2026, 12, 7, 16), purpose="书法班")
        theirs = _ask(hall, at(2026, 12, 7, 15), at(2026, 12, 7, 17), purpose="舞蹈排练")
        touching = _ask(hall, at(2026, 12, 7, 16), at(2026, 12, 7, 17), purpose="象棋")
        db.session.commit()
        assert [o.id for o in venues.would_decline(ours)] == [theirs.occurrences[0].id]
        pending = venues.pending_for([venue.id])
        assert len(pending) == 3
        result = venues.confirm(ours, venue, actor_id=hall["principal"].id)
        db.session.commit()
        assert [o.id for o in result["declined"]] == [theirs.occurrences[0].id]
        assert theirs.occurrences[0].status == "declined" and touching.occurrences[0].status == "pending"
        with pytest.raises(Conflict):
            venues.confirm(theirs, venue, actor_id=hall["principal"].id)


def test_the_database_refuses_a_second_confirmed_booking_at_the_same_time(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        a = _ask(hall, at(2026, 12, 7, 14), at(2026, 12, 7, 16))
        b = _ask(hall, at(2026, 12, 7, 15), at(2026, 12, 7, 17))
        venues.confirm(a, venue, actor_id=hall["principal"].id)
        db.session.commit()
        # Past the service's own check, straight at the row: the constraint (or the trigger) says no.
        b.occurrences[0].status = "confirmed"
        with pytest.raises(Conflict):
            venues._flush_occupied()
        db.session.rollback()


def test_two_confirmations_racing_leave_one_booking(app, hall):
    with tenant_context(hall["community"].id):
        ids = [_ask(hall, at(2026, 12, 9, 14), at(2026, 12, 9, 16), purpose=p).id for p in ("书法班", "舞蹈排练")]
        db.session.commit()
    principal = hall["principal"].id

    def confirm(booking_id):
        booking = venues.get_booking(booking_id)
        venues.confirm(booking, venues.get_venue(booking.venue_id), actor_id=principal)
        return "confirmed"

    results = in_threads(app, hall["community"].id, confirm, ids)
    # The second finds its date declined by the first (nothing waits) or the venue taken: a 409 either way.
    assert sorted(results) in (["confirmed", "conflict"], ["confirmed", "venue_taken"]), results
    with tenant_context(hall["community"].id):
        statuses = sorted(db.session.execute(select(BookingOccurrence.status)).scalars())
        assert statuses in (["confirmed", "declined"], ["confirmed", "pending"]), statuses


def test_a_conflict_check_is_one_statement_however_many_dates(hall, count_sql):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        for day in (7, 8, 9):
            venues.confirm(_ask(hall, at(2026, 12, day, 9), at(2026, 12, day, 10)), venue,
                           actor_id=hall["principal"].id)
        db.session.commit()
        venue = _venue(hall)
        counts = []
        for n in (2, 17):
            dates = venues.expand(at(2026, 12, 7, 9), at(2026, 12, 7, 10), frequency="weekly", count=n)
            with count_sql() as statements:
                result = venues.check(venue, dates)
            counts.append(statements())
            assert len(result) == n
        assert counts == [1, 1]


def test_the_week_view_shows_that_weeks_dates(hall, count_sql):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        _ask(hall, at(2026, 12, 7, 9), at(2026, 12, 7, 10))
        _ask(hall, at(2026, 12, 12, 9), at(2026, 12, 12, 10))  # Saturday of that week
        _ask(hall, at(2026, 12, 14, 9), at(2026, 12, 14, 10))  # the next Monday
        db.session.commit()
        venue = _venue(hall)
        with count_sql() as statements:
            shown = venues.week(venue, date(2026, 12, 9))
        assert statements() == 1
        assert [o.starts_at.astimezone(TZ).day for o in shown] == [7, 12]
        assert venues.week(venue, date(2026, 12, 14)) and not venues.week(venue, date(2026, 12, 21))


def test_a_venue_that_needs_no_confirmation_is_booked_at_once(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        venue.needs_confirmation = False
        booking = _ask(hall, at(2026, 12, 7, 9), at(2026, 12, 7, 10))
        assert booking.occurrences[0].status == "confirmed"
        db.session.commit()
        with pytest.raises(ValidationFailed):
            _ask(hall, at(2026, 12, 7, 9, 30), at(2026, 12, 7, 10, 30))
        assert venues.week(venue, date(2026, 12, 7))[0].id == booking.occurrences[0].id
        assert timedelta(hours=1) == booking.occurrences[0].ends_at - booking.occurrences[0].starts_at


# --- the JSON API ---------------------------------------------------------------------------------

API = "/api/v1/c/hall"


def _caller(client, user):
    headers = token_for(client, user)
    return lambda method, path, **kw: client.open(API + path, method=method, headers=headers, **kw)


def test_the_api_previews_skips_confirms_and_refuses_a_double_booking(client, hall, drain):
    asker, principal = _caller(client, hall["asker"]), _caller(client, hall["principal"])
    venue_id = str(hall["venue"])
    listed = asker("GET", "/venues").get_json()["items"]
    assert [(v["id"], v["name"], v["step_free"], v["closures"][0]["reason"]) for v in listed] == [
        (venue_id, "学校礼堂", True, "圣诞装修")]
    ask = {"venue_id": venue_id, "unit_id": str(hall["centre"]), "purpose": "老年书法班",
           "starts_at": "2026-12-19T09:00:00", "ends_at": "2026-12-19T11:00:00", "frequency": "weekly", "count": 3}
    preview = asker("POST", "/bookings", json={**ask, "dry_run": True})
    assert preview.status_code == 200
    assert [(d["position"], d["ok"]) for d in preview.get_json()["dates"]] == [(0, True), (1, False), (2, True)]
    assert preview.get_json()["dates"][1]["problems"] == ["场地在此期间关闭（圣诞装修）。"]
    refused = asker("POST", "/bookings", json=ask)
    assert refused.status_code == 422 and "2026-12-26" in refused.get_json()["error"]["fields"]["starts_at"][0]
    made = asker("POST", "/bookings", json={**ask, "skip": [1]})
    assert made.status_code == 201, made.get_json()
    booking = made.get_json()
    assert booking["id"].isdigit() and [o["status"] for o in booking["occurrences"]] == ["pending", "pending"]
    other = asker("POST", "/bookings", json={**ask, "purpose": "合唱", "count": 1,
                                             "starts_at": "2026-12-19T10:00:00", "ends_at": "2026-12-19T12:00:00"})
    assert other.status_code == 201
    # The owner sees both waiting, learns which one confirming the first declines, confirms.
    waiting = principal("GET", "/bookings/pending").get_json()["items"]
    assert len(waiting) == 3
    assert [o["booking_id"] for o in principal("GET", f"/bookings/{booking['id']}/would-decline")
            .get_json()["items"]] == [other.get_json()["id"]]
    assert asker("POST", f"/bookings/{booking['id']}/confirm", json={}).status_code == 403
    decided = principal("POST", f"/bookings/{booking['id']}/confirm", json={})
    assert decided.status_code == 200, decided.get_json()
    assert [o["status"] for o in decided.get_json()["booking"]["occurrences"]] == ["confirmed", "confirmed"]
    assert [o["status"] for o in decided.get_json()["declined"]] == ["declined"]
    # Asking for a confirmed time again: a field message; confirming what is taken: 409.
    again = asker("POST", "/bookings", json={**ask, "count": 1})
    assert again.get_json()["error"]["fields"]["starts_at"] == ["2026-12-19 09:00: 该时段已被预订。"]
    # The week view shows the confirmed date of that week, in UTC.
    week = asker("GET", f"/venues/{venue_id}/week?week=2026-12-17").get_json()
    assert week["monday"] == "2026-12-14"
    assert [(o["starts_at"], o["status"]) for o in week["items"]] == [("2026-12-19T01:00:00+00:00", "confirmed")]
    # One date cancelled, one moved, by the one who asked.
    first, second = booking["occurrences"]
    assert asker("POST", f"/bookings/{booking['id']}/occurrences/{first['id']}/cancel").get_json()["status"] \
        == "cancelled"
    moved = asker("POST", f"/bookings/{booking['id']}/occurrences/{second['id']}/move",
                  json={"starts_at": "2027-01-02T14:00:00", "ends_at": "2027-01-02T16:00:00"})
    assert moved.status_code == 200 and moved.get_json()["status"] == "pending"
    # The owner heard of the requests, the askers of the decisions (through the outbox).
    drain()
    with tenant_context(hall["community"].id):
        events = db.session.execute(select(OutboxEvent.event).order_by(OutboxEvent.id)).scalars().all()
    assert events.count("booking.requested") == 2 and events.count("booking.decided") == 2


def test_the_api_tells_bad_input_and_keeps_residents_out(client, hall):
    asker = _caller(client, hall["asker"])
    bad = asker("POST", "/bookings", json={"venue_id": str(hall["venue"]), "purpose": "讲座",
                                           "starts_at": "2026-12-07T10:00:00", "ends_at": "2026-12-07T09:00:00"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"]["ends_at"] == ["预订的结束时间必须晚于开始时间。"]
    endless = asker("POST", "/bookings", json={"venue_id": str(hall["venue"]), "purpose": "讲座", "frequency": "weekly",
                                               "starts_at": "2026-12-07T10:00:00", "ends_at": "2026-12-07T11:00:00"})
    assert endless.status_code == 422 and "until" in endless.get_json()["error"]["fields"]
    assert asker("GET", "/venues/999999").status_code == 404
    resident = member(hall["community"], "resident", name="王奶奶")
    with tenant_context(hall["community"].id):
        db.session.commit()
    signed_in = client.post("/api/v1/auth/tokens", json={"email": resident.email or resident.phone,
                                                         "password": "correct-horse-7"})
    headers = {"Authorization": f"Bearer {signed_in.get_json()['token']}"}
    assert client.get(f"{API}/venues", headers=headers).status_code == 200
    assert client.post(f"{API}/bookings", headers=headers, json={
        "venue_id": str(hall["venue"]), "purpose": "讲座", "starts_at": "2026-12-07T10:00:00",
        "ends_at": "2026-12-07T11:00:00"}).status_code == 403


def test_the_venue_list_and_week_cost_the_same_with_more_venues_and_bookings(client, hall, count_sql, drain):
    asker = _caller(client, hall["asker"])
    counts = []
    for extra in (0, 5):
        with tenant_context(hall["community"].id):
            for i in range(extra):
                venue = venues.create_venue(unit_id=hall["school"], name=f"教室{i}", capacity=30,
                                            closures=[{"starts_on": date(2027, 1, 1), "reason": "元旦"}])
                _ask(hall, at(2026, 12, 7, 9 + i), at(2026, 12, 7, 10 + i))
                venues.request_booking(venue, starts_at=at(2026, 12, 8, 9), ends_at=at(2026, 12, 8, 10),
                                       purpose="课", requested_by_id=hall["asker"].id)
            db.session.commit()
        drain()  # the requests' notifications go out first
        asker("GET", "/venues")
        with count_sql() as listed:
            assert asker("GET", "/venues").status_code == 200
        with count_sql() as week:
            assert asker("GET", f"/venues/{hall['venue']}/week?week=2026-12-07").status_code == 200
        counts.append((listed(), week()))
    assert counts[0] == counts[1], counts


# --- the pages ------------------------------------------------------------------------------------

PAGES = "/c/hall/venues"


def test_on_the_pages_a_request_is_checked_then_sent_and_the_owner_confirms_it(app, hall):
    with tenant_context(hall["community"].id):
        taken = _ask(hall, at(2026, 12, 12, 9), at(2026, 12, 12, 11), purpose="合唱排练")
        venues.confirm(taken, _venue(hall), actor_id=hall["principal"].id)
        db.session.commit()
    asker = browser_for(app, hall["asker"])
    venue_page = asker.get(f"{PAGES}/{hall['venue']}?week=2026-12-10").get_data(as_text=True)
    assert "学校礼堂" in venue_page and "圣诞装修" in venue_page
    assert "无台阶入口：有" in venue_page and "电梯：无" in venue_page
    assert "09:00–11:00 已确认" in venue_page and "无预订" in venue_page
    form = {"purpose": "老年书法班", "unit_id": str(hall["centre"]), "starts_at": "2026-12-05T09:00",
            "ends_at": "2026-12-05T11:00", "frequency": "weekly", "interval": "1", "until": "", "count": "3"}
    checked = asker.post(f"{PAGES}/{hall['venue']}/book", data={**form, "action": "check"})
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "该时段已被预订。" in text
    assert 'name="skip" value="1" checked' in text and 'name="skip" value="0" checked' not in text
    refused = asker.post(f"{PAGES}/{hall['venue']}/book", data={**form, "action": "send"})
    assert refused.status_code == 422 and "2026-12-12 09:00" in refused.get_data(as_text=True)
    sent = asker.post(f"{PAGES}/{hall['venue']}/book", data={**form, "skip": "1", "action": "send"})
    assert sent.status_code == 302
    booking_url = sent.headers["Location"]
    principal = browser_for(app, hall["principal"])
    assert "老年书法班" in principal.get(f"{PAGES}/approvals").get_data(as_text=True)
    booking_id = booking_url.rstrip("/").rsplit("/", 1)[1]
    assert asker.post(f"{PAGES}/bookings/{booking_id}/confirm").status_code == 403
    assert principal.post(f"{PAGES}/bookings/{booking_id}/confirm").status_code == 302
    page = asker.get(booking_url).get_data(as_text=True)
    dates, decisions = page.split('id="history-h"')
    assert dates.count("已确认") == 2
    # The decisions are written down: each date confirmed, by the principal.
    assert decisions.count("已确认 · 校长") == 2 and "2026-12-05 09:00–11:00" in decisions
    with tenant_context(hall["community"].id):
        first = venues.get_booking(int(booking_id)).occurrences[0].id
    assert asker.post(f"{PAGES}/bookings/{booking_id}/occurrences/{first}/cancel").status_code == 302
    assert "已取消" in asker.get(booking_url).get_data(as_text=True)


def test_the_calendar_feed_parses_back_with_the_confirmed_dates_only(app, hall, count_sql):
    from icalendar import Calendar

    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        confirmed = _ask(hall, at(2026, 12, 5, 9), at(2026, 12, 5, 11), frequency="weekly", count=3, skip=[])
        venues.confirm(confirmed, venue, actor_id=hall["principal"].id)
        _ask(hall, at(2026, 12, 7, 9), at(2026, 12, 7, 10))  # still pending: not in the feed
        db.session.commit()
    browser = browser_for(app, hall["asker"])
    url = f"{PAGES}/{hall['venue']}/calendar.ics"
    browser.get(url)
    with count_sql() as statements:
        response = browser.get(url)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    feed = Calendar.from_ical(response.get_data())
    events = feed.walk("VEVENT")
    assert [e.decoded("dtstart").astimezone(TZ) for e in events] == [at(2026, 12, 5, 9), at(2026, 12, 12, 9),
                                                                      at(2026, 12, 19, 9)]
    assert {str(e["summary"]) for e in events} == {"已预订：学校礼堂"}
    assert "老年" not in response.get_data(as_text=True) and "健康讲座" not in response.get_data(as_text=True)
    assert statements() <= 6, statements.statements


# --- the existing venue offers become venues (migration 0017) ----------------------------------------

def test_the_migration_makes_a_venue_of_each_venue_offer(hall):
    """Run the migration's data step again over a venue offer made the old way: its title, unit, capacity,
    weekly pattern and closed days come along, and the venue keeps the offer matching reads."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from app.offers import services as offers
    from app.offers.models import OfferClosure
    from app.venues.models import Venue

    if db.engine.dialect.name != "sqlite":
        pytest.skip("the app's role may not lift row-level security; the owner runs migrations on PostgreSQL")
    path = Path(__file__).parent.parent / "migrations" / "versions" / "0017_venues.py"
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with tenant_context(hall["community"].id):
        offer = offers.create_offer({"unit_id": str(hall["centre"]), "kind": "venue", "title": "文化中心多功能厅",
                                     "capacity": 80, "weekly": {"sat": [["09:00", "17:00"]]}})
        db.session.add(OfferClosure(offer_id=offer.id, day=date(2027, 1, 1), note="元旦"))
        # A venue offer published now makes its venue at once; one made before venues existed had none.
        db.session.delete(db.session.execute(select(Venue).where(Venue.offer_id == offer.id)).scalar_one())
        db.session.flush()
        with Operations.context(MigrationContext.configure(db.session.connection())):
            migration._venues_from_offers()
        venue = db.session.execute(select(Venue).where(Venue.offer_id == offer.id)).scalar_one()
        assert (venue.name, venue.unit_id, venue.capacity, venue.hours, venue.needs_confirmation) == (
            "文化中心多功能厅", hall["centre"], 80, {"sat": [["09:00", "17:00"]]}, True)
        assert [(c.starts_on, c.ends_on, c.reason) for c in venue.closures] == [
            (date(2027, 1, 1), date(2027, 1, 1), "元旦")]
        # Booked like any venue: Saturdays within its hours, not on its closed day.
        (inside, closed) = venues.check(venue, [(at(2026, 12, 5, 9), at(2026, 12, 5, 12)),
                                                (at(2027, 1, 1, 10), at(2027, 1, 1, 11))])
        assert inside.ok and "元旦" in closed.problems[-1]


def test_the_owner_unit_sees_the_waiting_requests_on_its_desk_and_staff_on_today(app, hall):
    with tenant_context(hall["community"].id):
        _ask(hall, at(2026, 12, 7, 14), at(2026, 12, 7, 16), purpose="书法班")
        db.session.commit()
    desk = browser_for(app, hall["principal"]).get("/c/hall/home/unit").get_data(as_text=True)
    assert "待处理的场地申请" in desk and "学校礼堂" in desk and "2026-12-07 14:00–16:00" in desk
    asker_desk = browser_for(app, hall["asker"]).get("/c/hall/home/unit").get_data(as_text=True)
    assert "待处理的场地申请" not in asker_desk  # the centre lends no venue
    today = browser_for(app, hall["staff"]).get("/c/hall/today").get_data(as_text=True)
    assert "待处理的场地申请" in today and "学校礼堂" in today


def test_the_owner_changes_the_hours_and_closes_the_venue_others_may_not(client, hall):
    principal, asker = _caller(client, hall["principal"]), _caller(client, hall["asker"])
    url = f"/venues/{hall['venue']}"
    assert asker("PATCH", url, json={"capacity": 10}).status_code == 403
    changed = principal("PATCH", url, json={"capacity": 150, "lift": True, "hours": {"sun": [["10:00", "16:00"]]}})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["capacity"], changed.get_json()["lift"], changed.get_json()["hours"]) == (
        150, True, {"sun": [["10:00", "16:00"]]})
    bad = principal("PATCH", url, json={"capacity": 0, "hours": {"mon": [["18:00", "09:00"]]}})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"capacity", "hours"}
    closed = principal("POST", f"{url}/closures", json={"starts_on": "2026-12-13", "reason": "消防检查"})
    assert closed.status_code == 201 and "消防检查" in [c["reason"] for c in closed.get_json()["closures"]]
    refused = asker("POST", "/bookings", json={"venue_id": str(hall["venue"]), "purpose": "讲座",
                                               "starts_at": "2026-12-13T10:00:00", "ends_at": "2026-12-13T11:00:00"})
    assert refused.get_json()["error"]["fields"]["starts_at"] == ["2026-12-13 10:00: 场地在此期间关闭（消防检查）。"]
    backwards = principal("POST", f"{url}/closures", json={"starts_on": "2026-12-13", "ends_on": "2026-12-12"})
    assert backwards.status_code == 422 and "ends_on" in backwards.get_json()["error"]["fields"]


# --- adding and editing venues on the pages ----------------------------------------------------------

def _venue_form(**changes):
    form = {"name": "学校图书室", "description": "三楼", "capacity": "30", "book_ahead_days": "60",
            "needs_confirmation": "on", "step_free": "on", "accessibility_note": "有电梯到三楼",
            "hours_sat_1_from": "08:00", "hours_sat_1_to": "12:00",
            "hours_sat_2_from": "14:00", "hours_sat_2_to": "18:00"}
    return {key: value for key, value in {**form, **changes}.items() if value is not None}


def test_a_representative_adds_a_venue_of_their_unit_every_mistake_told_at_once(app, hall):
    principal = browser_for(app, hall["principal"])
    listed = principal.get(f"{PAGES}/").get_data(as_text=True)
    assert f'href="{PAGES}/new"' in listed and "新增场地" in listed
    page = principal.get(f"{PAGES}/new")
    assert page.status_code == 200 and "柳荫小学" in page.get_data(as_text=True)
    bad = principal.post(f"{PAGES}/new", data=_venue_form(
        unit_id=str(hall["school"]), name="", capacity="0", hours_mon_1_from="12:00", hours_mon_1_to="09:00",
        hours_tue_2_from="14:00"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'id="name-error"' in text and 'id="capacity-error"' in text and 'id="hours-error"' in text
    assert "容量至少为 1 人。" in text and "（星期一）" in text and "（星期二）" in text
    # Another unit's venue is not theirs to add.
    refused = principal.post(f"{PAGES}/new", data=_venue_form(unit_id=str(hall["centre"])))
    assert refused.status_code == 422 and 'id="unit_id-error"' in refused.get_data(as_text=True)
    made = principal.post(f"{PAGES}/new", data=_venue_form(unit_id=str(hall["school"])))
    assert made.status_code == 302
    shown = principal.get(made.headers["Location"]).get_data(as_text=True)
    assert "学校图书室" in shown and "08:00–12:00, 14:00–18:00" in shown and "无台阶入口：有" in shown
    assert "编辑" in shown
    with tenant_context(hall["community"].id):
        venue = db.session.execute(select(Venue).where(Venue.name == "学校图书室")).scalar_one()
        assert (venue.unit_id, venue.capacity, venue.book_ahead_days, venue.step_free, venue.lift) == (
            hall["school"], 30, 60, True, False)
        assert venue.hours == {"sat": [["08:00", "12:00"], ["14:00", "18:00"]]}


def test_staff_pick_the_owner_unit_and_only_the_owner_edits(app, hall):
    staff = browser_for(app, hall["staff"])
    searched = staff.get(f"{PAGES}/new?unit_id_q=社区&name=活动室").get_data(as_text=True)
    assert "社区文化中心" in searched and 'value="活动室"' in searched
    made = staff.post(f"{PAGES}/new", data=_venue_form(unit_id=str(hall["centre"]), name="活动室"))
    assert made.status_code == 302
    venue_id = made.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    # The school's principal may not edit the centre's room; the centre's representative may.
    principal, asker = browser_for(app, hall["principal"]), browser_for(app, hall["asker"])
    assert principal.get(f"{PAGES}/{venue_id}/edit").status_code == 403
    assert "编辑" not in principal.get(f"{PAGES}/{venue_id}").get_data(as_text=True).split("</h1>")[1][:300]
    form = asker.get(f"{PAGES}/{venue_id}/edit").get_data(as_text=True)
    assert 'value="活动室"' in form and 'name="hours_sat_2_from" type="time" value="14:00"' in form
    bad = asker.post(f"{PAGES}/{venue_id}/edit", data=_venue_form(name="活动室", capacity="abc",
                                                                  hours_sun_1_from="10:00"))
    assert bad.status_code == 422 and 'id="capacity-error"' in bad.get_data(as_text=True)
    assert "请同时填写每段时间的开始和结束（星期日）。" in bad.get_data(as_text=True)
    saved = asker.post(f"{PAGES}/{venue_id}/edit", data=_venue_form(
        name="多功能活动室", capacity="45", lift="on", hours_sat_2_from="", hours_sat_2_to=""))
    assert saved.status_code == 302
    with tenant_context(hall["community"].id):
        venue = venues.get_venue(int(venue_id))
        assert (venue.name, venue.capacity, venue.lift, venue.hours) == (
            "多功能活动室", 45, True, {"sat": [["08:00", "12:00"]]})


def test_the_owner_adds_and_removes_closed_periods_on_the_venue_page(app, hall):
    principal, asker = browser_for(app, hall["principal"]), browser_for(app, hall["asker"])
    url = f"{PAGES}/{hall['venue']}"
    assert "添加关闭时段" in principal.get(url).get_data(as_text=True)
    assert "添加关闭时段" not in asker.get(url).get_data(as_text=True)
    assert asker.post(f"{url}/closures", data={"starts_on": "2026-12-13"}).status_code == 403
    backwards = principal.post(f"{url}/closures", data={"starts_on": "2026-12-13", "ends_on": "2026-12-12"})
    assert backwards.status_code == 422 and 'id="ends_on-error"' in backwards.get_data(as_text=True)
    assert principal.post(f"{url}/closures", data={"starts_on": "", "reason": "x"}).status_code == 422
    added = principal.post(f"{url}/closures", data={"starts_on": "2026-12-13", "reason": "消防检查"})
    assert added.status_code == 302 and "消防检查" in principal.get(url).get_data(as_text=True)
    with tenant_context(hall["community"].id):
        closure = next(c for c in _venue(hall).closures if c.reason == "消防检查")
        assert not venues.check(_venue(hall), [(at(2026, 12, 13, 10), at(2026, 12, 13, 11))])[0].ok
        closure_id = closure.id
    assert asker.post(f"{url}/closures/{closure_id}/delete").status_code == 403
    assert principal.post(f"{url}/closures/{closure_id}/delete").status_code == 302
    assert principal.post(f"{url}/closures/{closure_id}/delete").status_code == 404
    assert "消防检查" not in principal.get(url).get_data(as_text=True)


# --- a venue offer makes its venue -------------------------------------------------------------------

def test_a_new_venue_offer_makes_its_venue_and_its_closed_days_close_it(hall):
    from app.offers import services as offers

    with tenant_context(hall["community"].id):
        offer = offers.create_offer({"unit_id": str(hall["centre"]), "kind": "venue", "title": "中心多功能厅",
                                     "description": "一楼", "capacity": 60,
                                     "weekly": {"sun": [["09:00", "17:00"]]}})
        meal = offers.create_offer({"unit_id": str(hall["centre"]), "kind": "meal", "title": "午餐",
                                    "capacity": 20, "slots": ["lunch"]})
        db.session.commit()
        venue = db.session.execute(select(Venue).where(Venue.offer_id == offer.id)).scalar_one()
        assert (venue.name, venue.unit_id, venue.capacity, venue.hours, venue.needs_confirmation) == (
            "中心多功能厅", hall["centre"], 60, {"sun": [["09:00", "17:00"]]}, True)
        assert db.session.execute(select(Venue).where(Venue.offer_id == meal.id)).scalar_one_or_none() is None
        assert venue.id in [v.id for v in venues.list_venues()]
        offers.add_closure(offer, date(2026, 12, 20), "设备检修")
        offers.add_closure(offer, date(2026, 12, 20), "again")  # the same day again changes nothing
        db.session.commit()
        venue = venues.get_venue(venue.id)
        assert [(c.starts_on, c.ends_on, c.reason) for c in venue.closures] == [
            (date(2026, 12, 20), date(2026, 12, 20), "设备检修")]
        (closed,) = venues.check(venue, [(at(2026, 12, 20, 10), at(2026, 12, 20, 11))])
        assert "设备检修" in closed.problems[-1]


# --- a skipped date added back on the booking page ---------------------------------------------------

def test_a_skipped_date_is_added_back_on_the_booking_page(app, hall):
    with tenant_context(hall["community"].id):
        booking = _ask(hall, at(2026, 12, 5, 9), at(2026, 12, 5, 11), frequency="weekly", count=3, skip=[1])
        db.session.commit()
        booking_id = booking.id
    asker = browser_for(app, hall["asker"])
    url = f"{PAGES}/bookings/{booking_id}"
    assert "添加日期" in asker.get(url).get_data(as_text=True)
    backwards = asker.post(f"{url}/occurrences", data={"day": "2026-12-12", "starts_at": "11:00",
                                                       "ends_at": "09:00"})
    assert backwards.status_code == 422 and 'id="ends_at-error"' in backwards.get_data(as_text=True)
    missing = asker.post(f"{url}/occurrences", data={"day": "", "starts_at": "09:00", "ends_at": "11:00"})
    assert missing.status_code == 422 and 'id="day-error"' in missing.get_data(as_text=True)
    closed = asker.post(f"{url}/occurrences", data={"day": "2026-12-26", "starts_at": "09:00", "ends_at": "11:00"})
    assert closed.status_code == 422 and "圣诞装修" in closed.get_data(as_text=True)
    added = asker.post(f"{url}/occurrences", data={"day": "2026-12-12", "starts_at": "09:00", "ends_at": "11:00"})
    assert added.status_code == 302
    with tenant_context(hall["community"].id):
        days = [(o.starts_at.astimezone(TZ).day, o.status) for o in venues.get_booking(booking_id).occurrences]
    assert days == [(5, "pending"), (12, "pending"), (19, "pending")]
    outsider = browser_for(app, member(hall["community"], "unit", name="别人"))
    assert outsider.post(f"{url}/occurrences", data={"day": "2026-12-12", "starts_at": "09:00",
                                                     "ends_at": "11:00"}).status_code == 403


def test_every_decision_about_a_date_is_written_down(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        booking = _ask(hall, at(2026, 12, 7, 14), at(2026, 12, 7, 16), frequency="weekly", count=3)
        other = _ask(hall, at(2026, 12, 7, 15), at(2026, 12, 7, 17), purpose="舞蹈")
        venues.confirm(booking, venue, actor_id=hall["principal"].id, occurrence_ids=[booking.occurrences[0].id])
        venues.decline(booking, venue, actor_id=hall["principal"].id, occurrence_ids=[booking.occurrences[1].id])
        venues.cancel_occurrence(booking.occurrences[0], actor_id=hall["asker"].id)
        venues.move_occurrence(booking.occurrences[2], venue, starts_at=at(2026, 12, 22, 14),
                               ends_at=at(2026, 12, 22, 16), actor_id=hall["asker"].id)
        db.session.commit()
        changes = [(c.from_status, c.to_status, c.actor_id, c.note) for c in venues.booking_history(booking)]
        assert changes == [
            ("pending", "confirmed", hall["principal"].id, "2026-12-07 14:00–16:00"),
            ("pending", "declined", hall["principal"].id, "2026-12-14 14:00–16:00"),
            ("confirmed", "cancelled", hall["asker"].id, "2026-12-07 14:00–16:00"),
            ("pending", "pending", hall["asker"].id, "从 2026-12-21 14:00–16:00 改到 2026-12-22 14:00–16:00"),
        ]
        assert [(c.to_status, c.actor_id) for c in venues.booking_history(other)] == [
            ("declined", hall["principal"].id)]


# --- the reminder the day before and the digest -------------------------------------------------------

def _reminders():
    return db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "booking.reminder")
                              .order_by(OutboxEvent.id)).scalars().all()


def test_the_owner_hears_of_tomorrows_confirmed_dates_once(app, hall, drain):
    from jobs.scheduler import by_name

    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        tomorrow = _ask(hall, at(2026, 12, 1, 14), at(2026, 12, 1, 16), purpose="书法班")
        evening = _ask(hall, at(2026, 12, 1, 18), at(2026, 12, 1, 20), purpose="合唱")
        _ask(hall, at(2026, 12, 1, 9), at(2026, 12, 1, 10), purpose="还在等")  # pending: not reminded
        later = _ask(hall, at(2026, 12, 2, 14), at(2026, 12, 2, 16), purpose="后天")
        for b in (tomorrow, evening, later):
            venues.confirm(b, venue, actor_id=hall["principal"].id)
        db.session.commit()
        schedule = by_name("venue_reminders")
        assert schedule.daily_at.hour == 17
        assert schedule.func() == 1
        db.session.commit()
        assert schedule.func() == 0  # the second run finds the reminder already sent
        db.session.commit()
        (reminder,) = _reminders()
        assert reminder.audience == {"user_ids": [hall["principal"].id]}
        assert reminder.payload["day"] == "2026-12-01" and reminder.payload["dates"] == [
            "14:00–16:00 学校礼堂（书法班）", "18:00–20:00 学校礼堂（合唱）"]
    drain()
    inbox = browser_for(app, hall["principal"]).get("/notifications").get_data(as_text=True)
    assert "明天（2026-12-01）您的场地有预订" in inbox and "18:00–20:00 学校礼堂（合唱）" in inbox


def test_the_digest_counts_the_requests_waiting_for_a_decision(hall):
    from app.sections import digest_counts

    with tenant_context(hall["community"].id):
        _ask(hall, at(2026, 12, 7, 14), at(2026, 12, 7, 16), frequency="weekly", count=2)
        db.session.commit()
        assert digest_counts()["venue_requests_waiting"] == 2

def test_a_confirmed_booking_that_starts_before_a_date_and_runs_into_it_is_found(hall):
    with tenant_context(hall["community"].id):
        venue = _venue(hall)
        early = _ask(hall, at(2026, 12, 12, 8), at(2026, 12, 12, 9, 30), purpose="晨练")
        later = _ask(hall, at(2026, 12, 12, 9, 30), at(2026, 12, 12, 10), purpose="合唱排练")
        for booking in (early, later):
            venues.confirm(booking, venue, actor_id=hall["principal"].id)
        db.session.commit()
        a, b = early.occurrences[0].id, later.occurrences[0].id
        wide, touching, after = venues.check(venue, [(at(2026, 12, 12, 9), at(2026, 12, 12, 11)),
                                                     (at(2026, 12, 12, 9, 30), at(2026, 12, 12, 11)),
                                                     (at(2026, 12, 12, 10), at(2026, 12, 12, 11))])
        assert wide.overlaps == [a, b] and touching.overlaps == [b] and after.ok
        # Excluding the later one (moving it) still finds the earlier one reaching into the date.
        (moved,) = venues.check(venue, [(at(2026, 12, 12, 9), at(2026, 12, 12, 11))], exclude_ids=[b])
        assert moved.overlaps == [a]


def test_a_week_at_the_edge_of_the_calendar_is_refused_on_the_api_and_this_week_on_the_page(app, client, hall):
    staff = _caller(client, hall["staff"])
    browser = browser_for(app, hall["staff"])
    for week in ("9999-12-31", "0001-01-01", "0001-01-03"):
        answer = staff("GET", f"/venues/{hall['venue']}/week?week={week}")
        assert answer.status_code == 422, answer.get_data(as_text=True)
        assert "week" in answer.get_json()["error"]["fields"]
        page = browser.get(f"/c/hall/venues/{hall['venue']}?week={week}")
        assert page.status_code == 200
        assert "2026年11月30日" in page.get_data(as_text=True)  # this week, as for a week it cannot read


def test_a_booking_in_the_year_9999_is_a_field_error_not_a_crash(client, hall):
    asker = _caller(client, hall["asker"])
    base = {"venue_id": str(hall["venue"]), "purpose": "讲座", "starts_at": "2026-12-07T10:00:00",
            "ends_at": "2026-12-07T11:00:00"}
    late = {"starts_at": "9999-12-31T10:00:00+00:00", "ends_at": "9999-12-31T23:59:59+00:00"}
    weekly = asker("POST", "/bookings", json={**base, **late, "frequency": "weekly", "count": 3})
    assert weekly.status_code == 422, weekly.get_data(as_text=True)
    assert set(weekly.get_json()["error"]["fields"]) == {"starts_at", "ends_at"}
    booked = asker("POST", "/bookings", json=base).get_json()
    moved = asker("POST", f"/bookings/{booked['id']}/occurrences/{booked['occurrences'][0]['id']}/move", json=late)
    assert moved.status_code == 422 and "starts_at" in moved.get_json()["error"]["fields"]
