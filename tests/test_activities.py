"""Joint activities: proposed, approved (by staff or by ballot), scheduled in a venue or elsewhere, held, recorded
with a text and a photo, closed; sign-ups with a waiting list that passes freed places on one at a time; check-in
that is safe to repeat; accessibility needs kept only with consent, shown to the organisers and audited."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.activities import services as activities
from app.activities.models import Registration
from app.ballots import services as ballots
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.notifications.models import OutboxEvent
from app.photos import services as photos
from app.residents import services as residents
from app.residents.models import AuditEvent
from app.units import services as unit_services
from app.venues import services as venues
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, browser_for, image_bytes, member

TZ = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def town(app, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="town", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    principal = member(community, "unit", name="校长")
    grandma = member(community, "resident", name="王秀英", phone="13800001111")
    son = member(community, "resident", name="李强")
    voters = [member(community, "council", name=f"理事{i}") for i in range(3)]
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        unit_services.add_representative(school, principal.id)
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={})
        people = [residents.create_resident({"name": name, "phone": f"1390000{i:04d}"}, actor_id=staff.id,
                                            account_id=account)
                  for i, (name, account) in enumerate([("王秀英", grandma.id), ("李奶奶", son.id), ("张三丰", None),
                                                      ("赵大爷", None)])]
        db.session.commit()
        yield {"community": community, "staff": staff, "principal": principal, "grandma": grandma, "son": son,
               "voters": voters, "school": school.id, "hall": hall.id, "people": [p.id for p in people]}


def _lecture(town, **kw):
    values = dict(kind="training", title="健康讲座：冬季防跌倒", starts_at=at(2026, 12, 10, 9),
                  ends_at=at(2026, 12, 10, 11), capacity=2, audience="residents", guests="社区卫生服务中心")
    values.update(kw)
    return activities.propose(actor_id=town["staff"].id, **values)


def _resident(town, i):
    return residents.get_resident(town["people"][i])


def _events(name):
    return db.session.execute(select(OutboxEvent).where(OutboxEvent.event == name).order_by(OutboxEvent.id)
                              ).scalars().all()


def test_an_activity_goes_from_proposal_to_closed_with_every_step_recorded(town, clock):
    with tenant_context(town["community"].id):
        lecture = _lecture(town)
        assert lecture.status == "proposed" and _events("activity.proposed")
        activities.approve(lecture, actor_id=town["staff"].id)
        activities.set_place(lecture, "社区广场", actor_id=town["staff"].id)
        assert lecture.status == "scheduled"
        with pytest.raises(Conflict):
            activities.mark_held(lecture, actor_id=town["staff"].id)  # it has not started
        db.session.commit()
        clock(2026, 12, 10, 11, 30)
        assert activities.held_due() == 1 and lecture.status == "held"
        with pytest.raises(ValidationFailed) as bad:
            activities.record(lecture, text="", actor_id=town["staff"].id)
        assert set(bad.value.fields) == {"record_text", "photos"}
        assert bad.value.fields["photos"] == ["活动记录至少需要一张照片。"]
        with pytest.raises(Conflict):
            activities.close(lecture, actor_id=town["staff"].id)
        photos.add_photos(activities.PHOTO_OWNER, lecture.id, [("a.png", image_bytes())], ["讲座现场"],
                          consent=True, actor_id=town["staff"].id)
        activities.record(lecture, text="三十位老人参加，医生讲解了防跌倒要点。", walk_ins=3, actor_id=town["staff"].id)
        activities.close(lecture, actor_id=town["staff"].id)
        db.session.commit()
        assert [c.to_status for c in activities.history_of(lecture)] == [
            "proposed", "approved", "scheduled", "held", "recorded", "closed"]
        assert activities.attendance(lecture)["present"] == 3


def test_a_kind_the_community_votes_on_is_approved_by_its_ballot(town, clock):
    with tenant_context(town["community"].id):
        activities.set_rules(ballot_kinds=["culture_sports"], ballot_days=3, promotion_hours=12,
                             actor_id=town["staff"].id)
        evening = _lecture(town, kind="culture_sports", title="公园文化晚会")
        activities.approve(evening, actor_id=town["staff"].id)
        assert evening.status == "proposed" and evening.ballot_id
        ballot = ballots.get(evening.ballot_id)
        for voter in town["voters"]:
            ballots.vote(ballot, voter.id, ["yes"])
        db.session.commit()
        clock(2026, 12, 3, 11)
        ballots.close_if_due(ballot)
        db.session.commit()
        assert evening.status == "approved"


def test_a_full_activity_puts_people_on_the_waiting_list_and_passes_a_freed_place_on_once(town, clock):
    with tenant_context(town["community"].id):
        lecture = _lecture(town)
        activities.approve(lecture, actor_id=town["staff"].id)
        signed = [activities.sign_up(lecture, actor_id=town["staff"].id, resident=_resident(town, i))
                  for i in range(4)]
        assert [r.status for r in signed] == ["registered", "registered", "waiting", "waiting"]
        assert lecture.taken == 2
        with pytest.raises(Conflict):
            activities.sign_up(lecture, actor_id=town["staff"].id, resident=_resident(town, 0))
        db.session.commit()
        activities.cancel_registration(signed[0], actor_id=town["grandma"].id)
        db.session.commit()
        assert [r.status for r in activities.registrations_of(lecture)] == [
            "registered", "cancelled", "offered", "waiting"]
        assert lecture.taken == 2
        offer = _events("registration.offered")
        assert len(offer) == 1
        # The offer is not taken in time: it lapses and the next one is offered.
        clock(2026, 12, 1, 11)
        assert activities.lapse_due() == 1
        db.session.commit()
        assert [r.status for r in activities.registrations_of(lecture)] == [
            "registered", "cancelled", "lapsed", "offered"]
        activities.take_offer(signed[3], actor_id=town["staff"].id)
        db.session.commit()
        assert signed[3].status == "registered" and lecture.taken == 2


def test_check_in_is_safe_to_repeat_and_a_code_of_another_activity_is_not_found(town, clock):
    with tenant_context(town["community"].id):
        lecture = _lecture(town, capacity=10)
        other = _lecture(town, title="法律讲座")
        for activity in (lecture, other):
            activities.approve(activity, actor_id=town["staff"].id)
        mine = activities.sign_up(lecture, actor_id=town["grandma"].id, resident=_resident(town, 0))
        theirs = activities.sign_up(other, actor_id=town["staff"].id, resident=_resident(town, 1))
        db.session.commit()
        assert activities.registration_by_code(lecture, theirs.code) is None
        assert activities.registration_by_code(lecture, mine.code).id == mine.id
        assert activities.check_in(mine, actor_id=town["staff"].id) is True
        first = mine.checked_in_at
        assert activities.check_in(mine, actor_id=town["staff"].id) is False
        assert mine.checked_in_at == first
        walk_in = activities.add_walk_in(lecture, actor_id=town["staff"].id, name="路过的刘阿姨")
        db.session.commit()
        assert walk_in.checked_in_at is not None
        assert activities.attendance(lecture) == {"registered": 1, "waiting": 0, "offered": 0, "present": 2,
                                                 "walk_ins": 1, "no_shows": 0}


def test_needs_are_kept_only_with_consent_and_every_reading_is_audited(town):
    with tenant_context(town["community"].id):
        lecture = _lecture(town, capacity=10)
        activities.approve(lecture, actor_id=town["staff"].id)
        db.session.commit()
        with pytest.raises(ValidationFailed) as bad:
            activities.sign_up(lecture, actor_id=town["grandma"].id, resident=_resident(town, 0),
                               needs=["wheelchair"])
        assert list(bad.value.fields) == ["needs_consent"]
        db.session.rollback()
        registration = activities.sign_up(lecture, actor_id=town["grandma"].id, resident=_resident(town, 0),
                                          needs=["wheelchair", "large_print"], needs_note="需要靠近门口",
                                          needs_consent=True)
        db.session.commit()
        before = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        found = activities.needs_of(lecture, actor_id=town["principal"].id)
        db.session.commit()
        assert found[registration.id].needs == ["wheelchair", "large_print"]
        after = db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        assert after == before + 1
        assert activities.needs_summary(lecture)["wheelchair"] == 1


def test_sign_ups_respect_the_window_and_the_audience(town, clock):
    with tenant_context(town["community"].id):
        lecture = _lecture(town, registration_closes_at=at(2026, 12, 5, 18))
        with pytest.raises(ValidationFailed) as bad:
            activities.sign_up(lecture, actor_id=town["staff"].id, resident=_resident(town, 0))
        assert bad.value.fields["activity"] == ["此活动尚未开放报名。"]
        activities.approve(lecture, actor_id=town["staff"].id)
        with pytest.raises(ValidationFailed):
            activities.sign_up(lecture, actor_id=town["principal"].id, name="教师甲", unit_id=town["school"])
        db.session.commit()
        clock(2026, 12, 6, 9)
        with pytest.raises(ValidationFailed) as bad:
            activities.sign_up(lecture, actor_id=town["staff"].id, resident=_resident(town, 0))
        assert bad.value.fields["activity"] == ["报名已截止。"]
        activities.cancel(lecture, actor_id=town["staff"].id, reason="讲师生病")
        with pytest.raises(ValidationFailed) as bad:
            activities.sign_up(lecture, actor_id=town["staff"].id, resident=_resident(town, 0))
        assert bad.value.fields["activity"] == ["此活动不再举行。"]
        assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0


def test_a_venue_booking_schedules_the_activity_when_the_owner_confirms(town):
    with tenant_context(town["community"].id):
        lecture = _lecture(town)
        activities.approve(lecture, actor_id=town["staff"].id)
        hall = venues.get_venue(town["hall"])
        activities.book_venue(lecture, hall, actor_id=town["staff"].id)
        assert lecture.status == "approved" and lecture.booking_id
        venues.confirm(venues.get_booking(lecture.booking_id), hall, actor_id=town["principal"].id)
        db.session.commit()
        assert lecture.status == "scheduled" and activities.place_of(lecture) == "学校礼堂"


def test_cancelling_tells_every_registrant_and_gives_the_venue_back(town):
    with tenant_context(town["community"].id):
        lecture = _lecture(town)
        activities.approve(lecture, actor_id=town["staff"].id)
        hall = venues.get_venue(town["hall"])
        activities.book_venue(lecture, hall, actor_id=town["staff"].id)
        venues.confirm(venues.get_booking(lecture.booking_id), hall, actor_id=town["principal"].id)
        activities.sign_up(lecture, actor_id=town["grandma"].id, resident=_resident(town, 0))
        activities.sign_up(lecture, actor_id=town["son"].id, resident=_resident(town, 1))
        activities.cancel(lecture, actor_id=town["staff"].id, reason="讲师生病")
        db.session.commit()
        (told,) = _events("activity.cancelled")
        assert told.audience["user_ids"] == sorted([town["grandma"].id, town["son"].id])
        assert {o.status for o in venues.get_booking(lecture.booking_id).occurrences} == {"cancelled"}
        assert {r.status for r in activities.registrations_of(lecture)} == {"cancelled"}


def test_registrants_are_reminded_once_the_day_before(town, clock):
    with tenant_context(town["community"].id):
        lecture = _lecture(town)
        activities.approve(lecture, actor_id=town["staff"].id)
        activities.set_place(lecture, "社区广场", actor_id=town["staff"].id)
        activities.sign_up(lecture, actor_id=town["grandma"].id, resident=_resident(town, 0))
        db.session.commit()
        clock(2026, 12, 8, 9)
        assert activities.remind_due() == 0  # two days before
        clock(2026, 12, 9, 9)
        assert activities.remind_due() == 1
        assert activities.remind_due() == 0
        db.session.commit()
        (reminder,) = _events("activity.reminder")
        assert reminder.audience["user_ids"] == [town["grandma"].id]
        assert reminder.payload["place"] == "社区广场"


def test_a_cultural_point_counts_its_recorded_activities_of_the_year(town, clock):
    with tenant_context(town["community"].id):
        point = activities.designate_point(name="柳荫小学文化活动点", unit_id=town["school"])
        for day in (1, 2):
            activity = _lecture(town, organiser_unit_id=town["school"], starts_at=at(2026, 12, day + 1, 9),
                                ends_at=at(2026, 12, day + 1, 10))
            activities.approve(activity, actor_id=town["staff"].id)
            activities.set_place(activity, "操场", actor_id=town["staff"].id)
        db.session.commit()
        clock(2026, 12, 5, 9)
        activities.held_due()
        first = activities.list_activities(status="held")[0]
        photos.add_photos(activities.PHOTO_OWNER, first.id, [("a.png", image_bytes())], ["合影"], consent=True,
                          actor_id=town["staff"].id)
        activities.record(first, text="记录", actor_id=town["staff"].id)
        db.session.commit()
        (row,) = activities.points_progress(2026)
        assert row["point"].id == point.id and row["done"] == 1 and row["behind"]
        assert activities.remind_points_behind() == 1 and activities.remind_points_behind() == 0


def test_a_proposal_cancelled_during_its_ballot_withdraws_the_ballot(app, town, clock):
    with tenant_context(town["community"].id):
        activities.set_rules(ballot_kinds=["culture_sports"], ballot_days=3, promotion_hours=12,
                             actor_id=town["staff"].id)
        evening = _lecture(town, kind="culture_sports", title="公园文化晚会")
        activities.approve(evening, actor_id=town["staff"].id)
        ballot = ballots.get(evening.ballot_id)
        ballots.vote(ballot, town["voters"][0].id, ["yes"])
        activities.cancel(evening, actor_id=town["staff"].id, reason="公园整修")
        db.session.commit()
        assert ballot.status == "closed" and ballot.outcome == "withdrawn" and ballot.result is None
        with pytest.raises(Conflict):  # nobody votes on it any more
            ballots.vote(ballot, town["voters"][1].id, ["yes"])
        clock(2026, 12, 2, 11)  # the day before it would have closed: no reminder goes out
        ballots.run_due()
        db.session.commit()
        assert not _events("ballot.closing") and not _events("ballot.result")
        assert evening.status == "cancelled"
        ballot_id = ballot.id
    page = browser_for(app, town["voters"][1]).get(f"/c/town/ballots/{ballot_id}")
    assert page.status_code == 200 and "已撤回：表决事项已不存在" in page.get_data(as_text=True)
