"""The activity pages: a unit's representative and the staff propose (every mistake told at once, in Chinese, and
nothing saved), the staff approve or reject, set a place or book a venue (a taken venue is told), cancel after a
confirmation (everyone signed up is told); the list and an activity as a resident reads them; another community's
activity is not found; the today page shows what waits; the list's statements do not grow with the activities."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.activities import services as activities
from app.activities.models import Activity
from app.core.extensions import db
from app.notifications.models import OutboxEvent
from app.residents import services as residents
from app.units import services as unit_services
from app.venues import services as venues
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, browser_for, member

TZ = ZoneInfo("Asia/Shanghai")
PAGES = "/c/town/activities"


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def town(app, clock):
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="town", name="柳荫社区")
    other = CommunityFactory(slug="elsewhere", name="槐树社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    principal = member(community, "unit", name="王校长")
    grandma = member(community, "resident", name="王秀英")
    outsider = member(other, "admin", "coordinator", name="外社区协调员")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        clinic = UnitFactory(name="社区卫生服务中心", type="clinic")
        db.session.flush()
        unit_services.add_representative(school, principal.id)
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={}, step_free=True,
                                   hearing_loop=True)
        hall.needs_confirmation = False
        resident = residents.create_resident({"name": "王秀英", "phone": "13900000001"}, actor_id=staff.id,
                                             account_id=grandma.id)
        db.session.commit()
        return {"community": community, "staff": staff, "principal": principal, "grandma": grandma,
                "outsider": outsider, "school": school.id, "clinic": clinic.id, "hall": hall.id,
                "resident": resident.id}


def _lecture(town, **kw):
    values = dict(kind="training", title="冬季防跌倒讲座", starts_at=at(2026, 12, 10, 9), ends_at=at(2026, 12, 10, 11),
                  capacity=30, audience="both", guests="区税务局", speakers="李医生")
    values.update(kw)
    with tenant_context(town["community"].id):
        activity = activities.propose(actor_id=town["staff"].id, **values)
        db.session.commit()
        return activity.id


def _get(town, activity_id):
    with tenant_context(town["community"].id):
        return db.session.get(Activity, activity_id)


def _count(town) -> int:
    with tenant_context(town["community"].id):
        return db.session.execute(select(func.count(Activity.id))).scalar_one()


def _events(town, name):
    with tenant_context(town["community"].id):
        return db.session.execute(select(OutboxEvent).where(OutboxEvent.event == name)).scalars().all()


GOOD = {"kind": "salon", "title": "会员沙龙：社区养老", "description": "一起聊聊", "guests": "", "speakers": "",
        "audience": "both", "capacity": "", "starts_at": "2026-12-12T14:00", "ends_at": "2026-12-12T16:00",
        "registration_opens_at": "", "registration_closes_at": "", "place": "", "public": "y"}


def test_a_unit_representative_proposes_for_their_unit_and_the_staff_hear_of_it(app, town):
    rep = browser_for(app, town["principal"])
    form = rep.get(f"{PAGES}/new").get_data(as_text=True)
    assert "发起活动" in form and "柳荫小学" in form and 'type="datetime-local"' in form
    sent = rep.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["school"]),
                                                  "co_organiser_ids": str(town["clinic"])})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = rep.get(sent.headers["Location"]).get_data(as_text=True)
    assert "会员沙龙：社区养老" in page and "柳荫小学" in page and "社区卫生服务中心" in page
    assert "12月12日周六 14:00–16:00" in page and "待审批" in page
    activity = _get(town, int(sent.headers["Location"].rsplit("/", 1)[1]))
    assert activity.organiser_unit_id == town["school"] and activity.co_organiser_ids == [town["clinic"]]
    assert activity.proposed_by_id == town["principal"].id and activity.capacity is None
    assert activity.starts_at.replace(tzinfo=None) == datetime(2026, 12, 12, 6)  # 14:00 in Shanghai, stored in UTC
    assert _events(town, "activity.proposed")
    # Not a unit they represent: refused beside the field, nothing saved.
    before = _count(town)
    wrong = rep.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["clinic"])})
    assert wrong.status_code == 422 and "请选择您代表的单位之一。" in wrong.get_data(as_text=True)
    assert _count(town) == before
    # A resident may not propose.
    assert browser_for(app, town["grandma"]).get(f"{PAGES}/new").status_code == 403


def test_bad_input_is_told_field_by_field_at_once_in_chinese_and_nothing_is_saved(app, town):
    staff = browser_for(app, town["staff"])
    bad = staff.post(f"{PAGES}/new", data=GOOD | {
        "kind": "party", "title": "  ", "capacity": "0", "starts_at": "2026-11-29T09:00", "ends_at": "2026-11-28T09:00",
        "registration_opens_at": "2026-12-05T09:00", "registration_closes_at": "2026-12-01T09:00",
        "organiser_unit_id": "999999"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    for message in ("请选择活动类型。", "这个日期已经过去。", "活动的结束时间必须晚于开始时间。",
                    "报名截止时间必须晚于开始报名时间。", "本社区没有这个单位。"):
        assert message in page, message
    assert page.count('aria-invalid="true"') >= 6  # kind, title, capacity, starts, ends, sign-ups close, unit
    assert 'id="title-error"' in page and 'id="capacity-error"' in page and 'id="ends_at-error"' in page
    assert 'value="2026-11-29T09:00"' in page  # what was typed comes back
    assert _count(town) == 0
    missing = staff.post(f"{PAGES}/new", data={"kind": "training"})
    assert missing.status_code == 422
    text = missing.get_data(as_text=True)
    assert 'id="title-error"' in text and 'id="starts_at-error"' in text and 'id="ends_at-error"' in text
    assert _count(town) == 0


def test_the_staff_approve_and_set_a_place_and_the_proposer_is_told(app, town):
    rep = browser_for(app, town["principal"])
    sent = rep.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["school"])})
    url = sent.headers["Location"]
    staff = browser_for(app, town["staff"])
    page = staff.get(url).get_data(as_text=True)
    assert "批准" in page and "不批准" in page
    assert rep.post(f"{url}/approve").status_code == 403  # only the staff approve
    assert staff.post(f"{url}/approve").status_code == 302
    assert _events(town, "activity.decided")
    activity_id = int(url.rsplit("/", 1)[1])
    assert _get(town, activity_id).status == "approved"
    empty = staff.post(f"{url}/place", data={"place": " "})
    assert empty.status_code == 422 and 'id="place-error"' in empty.get_data(as_text=True)
    assert staff.post(f"{url}/place", data={"place": "3号楼前广场"}).status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert "3号楼前广场" in page and "已排定" in page and "陈晓燕" in page  # the history says who
    assert _get(town, activity_id).status == "scheduled"


def test_a_kind_the_rules_put_to_a_vote_goes_to_a_ballot(app, town):
    staff = browser_for(app, town["staff"])
    assert staff.post(f"{PAGES}/rules", data={"ballot_kinds": "training", "ballot_days": "5",
                                              "promotion_hours": "24"}).status_code == 302
    bad = staff.post(f"{PAGES}/rules", data={"ballot_days": "40", "promotion_hours": "0"})
    assert bad.status_code == 422 and 'id="ballot_days-error"' in bad.get_data(as_text=True)
    activity_id = _lecture(town)
    url = f"{PAGES}/{activity_id}"
    assert "提交表决" in staff.get(url).get_data(as_text=True)
    assert staff.post(f"{url}/approve").status_code == 302
    activity = _get(town, activity_id)
    assert activity.status == "proposed" and activity.ballot_id
    assert f"/ballots/{activity.ballot_id}" in staff.get(url).get_data(as_text=True)


def test_reject_needs_a_reason_and_the_proposer_hears_it(app, town):
    rep = browser_for(app, town["principal"])
    url = rep.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["school"])}).headers["Location"]
    staff = browser_for(app, town["staff"])
    empty = staff.post(f"{url}/reject", data={"reason": ""})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert staff.post(f"{url}/reject", data={"reason": "与已有活动时间冲突"}).status_code == 302
    assert _get(town, int(url.rsplit("/", 1)[1])).status == "rejected"
    assert "与已有活动时间冲突" in rep.get(url).get_data(as_text=True)
    decided = _events(town, "activity.decided")
    assert decided and decided[-1].payload["reason"] == "与已有活动时间冲突"
    # A rejected proposal is not shown to the residents.
    assert browser_for(app, town["grandma"]).get(url).status_code == 404


def test_book_a_venue_and_a_taken_venue_is_told(app, town):
    staff = browser_for(app, town["staff"])
    first, second = _lecture(town), _lecture(town, title="书法沙龙", kind="salon")
    url = f"{PAGES}/{first}"
    assert staff.post(f"{url}/approve").status_code == 302
    assert "学校礼堂" in staff.get(url).get_data(as_text=True)
    booked = staff.post(f"{url}/book", data={"venue_id": str(town["hall"])})
    assert booked.status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert _get(town, first).status == "scheduled"
    assert "学校礼堂" in page and "学校礼堂 的无障碍设施" in page and "无台阶入口" in page
    taken = staff.post(f"{PAGES}/{second}/book", data={"venue_id": str(town["hall"])})
    assert taken.status_code == 422
    assert 'id="venue_id-error"' in taken.get_data(as_text=True)
    assert _get(town, second).venue_id is None


def test_an_activity_waiting_for_its_venues_confirmation_says_so_until_the_owner_confirms(app, town):
    with tenant_context(town["community"].id):
        room = venues.create_venue(unit_id=town["school"], name="音乐教室", capacity=40, hours={})  # asks the owner
        db.session.commit()
        room_id = room.id
    staff = browser_for(app, town["staff"])
    activity_id = _lecture(town)
    url = f"{PAGES}/{activity_id}"
    staff.post(f"{url}/approve")
    assert staff.post(f"{url}/book", data={"venue_id": str(room_id)}).status_code == 302
    assert "已批准，等待场地方确认" in staff.get(url).get_data(as_text=True)
    assert "已批准，等待场地方确认" in staff.get(PAGES + "/").get_data(as_text=True)
    with tenant_context(town["community"].id):
        activity = activities.get_activity(activity_id)
        venues.confirm(venues.get_booking(activity.booking_id), venues.get_venue(room_id),
                       actor_id=town["principal"].id)
        db.session.commit()
    page = staff.get(url).get_data(as_text=True)
    assert "等待场地方确认" not in page and "已排定" in page


def test_cancel_asks_first_then_tells_everyone_signed_up(app, town):
    activity_id = _lecture(town)
    url = f"{PAGES}/{activity_id}"
    staff = browser_for(app, town["staff"])
    staff.post(f"{url}/approve")
    with tenant_context(town["community"].id):
        activities.sign_up(activities.get_activity(activity_id), actor_id=town["grandma"].id,
                           resident=residents.get_resident(town["resident"]))
        db.session.commit()
    confirm = staff.get(f"{url}/cancel").get_data(as_text=True)
    assert "将通知 1 位已报名" in confirm and "确定取消活动" in confirm
    assert _get(town, activity_id).status == "approved"  # asking changes nothing
    empty = staff.post(f"{url}/cancel", data={"reason": ""})
    assert empty.status_code == 422 and 'id="reason-error"' in empty.get_data(as_text=True)
    assert staff.post(f"{url}/cancel", data={"reason": "天气预报有暴雪"}).status_code == 302
    assert _get(town, activity_id).status == "cancelled"
    told = _events(town, "activity.cancelled")
    assert told and told[-1].payload["reason"] == "天气预报有暴雪"
    page = browser_for(app, town["grandma"]).get(url).get_data(as_text=True)
    assert "该活动已取消" in page and "天气预报有暴雪" in page


def test_the_list_and_an_activity_as_a_resident_reads_them(app, town, clock):
    shown = _lecture(town)
    hidden = _lecture(town, title="尚未批准的活动")
    staff = browser_for(app, town["staff"])
    staff.post(f"{PAGES}/{shown}/approve")
    staff.post(f"{PAGES}/{shown}/book", data={"venue_id": str(town["hall"])})
    grandma = browser_for(app, town["grandma"])
    listing = grandma.get(f"{PAGES}/").get_data(as_text=True)
    assert "冬季防跌倒讲座" in listing and "尚未批准的活动" not in listing
    assert "12月10日周四 09:00–11:00" in listing and "培训/讲座" in listing and "学校礼堂" in listing
    assert "剩余名额 30 / 30" in listing and "发起活动" not in listing
    assert "培训/讲座" in grandma.get(f"{PAGES}/?kind=training").get_data(as_text=True)
    assert "冬季防跌倒讲座" not in grandma.get(f"{PAGES}/?kind=salon").get_data(as_text=True)
    assert grandma.get(f"{PAGES}/{hidden}").status_code == 404
    page = grandma.get(f"{PAGES}/{shown}").get_data(as_text=True)
    for text in ("冬季防跌倒讲座", "12月10日周四 09:00–11:00", "学校礼堂", "无台阶入口", "助听环路", "区税务局",
                 "李医生", "主办单位", "联合会", "剩余名额 30 / 30"):
        assert text in page, text
    assert "不批准" not in page and "取消活动" not in page  # no staff actions for a resident
    assert 'href="/c/town/activities/" aria-current="page">活动</a>' in listing  # the menu
    clock(2026, 12, 11, 10)
    grandma = browser_for(app, town["grandma"])  # the session of 11 days ago has expired
    past = grandma.get(f"{PAGES}/?past=1").get_data(as_text=True)
    assert "冬季防跌倒讲座" in past
    assert "冬季防跌倒讲座" not in grandma.get(f"{PAGES}/").get_data(as_text=True)


def test_another_communitys_activity_is_not_found(app, town):
    activity_id = _lecture(town)
    outsider = browser_for(app, town["outsider"])
    for path in ("", "/edit", "/cancel"):
        assert outsider.get(f"/c/elsewhere/activities/{activity_id}{path}").status_code == 404
    assert outsider.post(f"/c/elsewhere/activities/{activity_id}/approve").status_code == 404
    assert _get(town, activity_id).status == "proposed"


def test_the_today_page_shows_the_proposals_waiting_and_a_unit_desk_its_activities(app, town):
    rep = browser_for(app, town["principal"])
    rep.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["school"])})
    today = browser_for(app, town["staff"]).get("/c/town/today").get_data(as_text=True)
    assert "待审批的活动申请" in today and "会员沙龙：社区养老" in today
    desk = rep.get("/c/town/home/unit").get_data(as_text=True)
    assert "本单位即将举办的活动" in desk and "会员沙龙：社区养老" in desk
    with tenant_context(town["community"].id):
        from app.sections import digest_counts
        assert digest_counts()["activity_proposals"] == 1


def test_the_list_sends_as_many_statements_for_many_activities_as_for_few(app, town, count_sql):
    staff = browser_for(app, town["staff"])
    counts = {}
    for size in (2, 20):
        while _count(town) < size:
            n = _count(town)
            activity_id = _lecture(town, title=f"活动{n}", organiser_unit_id=town["school"] if n % 2 else None)
            with tenant_context(town["community"].id):
                activity = activities.get_activity(activity_id)
                activities.approve(activity, actor_id=town["staff"].id)
                activities.set_place(activity, f"广场{n}", actor_id=town["staff"].id)
                db.session.commit()
        staff.get(f"{PAGES}/")
        with count_sql() as counted:
            response = staff.get(f"{PAGES}/")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('class="panel activity-row"') == size
        counts[size] = counted()
    assert counts[2] == counts[20], counts


def test_co_organisers_are_added_one_by_one_and_the_edit_keeps_them(app, town):
    staff = browser_for(app, town["staff"])
    # Without script: the picker's search comes back with the matches, everything typed kept.
    found = staff.get(f"{PAGES}/new?title=书法沙龙&co_add_q=社区卫生").get_data(as_text=True)
    assert 'value="书法沙龙"' in found and "社区卫生服务中心" in found
    added = staff.post(f"{PAGES}/new", data={"title": "", "kind": "salon", "co_add": str(town["clinic"]),
                                             "action": "add_co"})
    assert added.status_code == 200 and _count(town) == 0  # nothing saved, nothing told wrong
    page = added.get_data(as_text=True)
    assert f'name="co_organiser_ids" value="{town["clinic"]}" checked' in page and 'id="title-error"' not in page
    sent = staff.post(f"{PAGES}/new", data=GOOD | {"organiser_unit_id": str(town["school"]),
                                                    "co_organiser_ids": str(town["clinic"])})
    url = sent.headers["Location"]
    form = staff.get(f"{url}/edit").get_data(as_text=True)
    assert 'value="2026-12-12T14:00"' in form and 'value="会员沙龙：社区养老"' in form  # in community time
    assert f'name="co_organiser_ids" value="{town["clinic"]}" checked' in form
    bad = staff.post(f"{url}/edit", data=GOOD | {"ends_at": "2026-12-12T13:00", "organiser_unit_id": ""})
    assert bad.status_code == 422 and "活动的结束时间必须晚于开始时间。" in bad.get_data(as_text=True)
    saved = staff.post(f"{url}/edit", data=GOOD | {"title": "会员沙龙：居家养老", "capacity": "40",
                                                   "organiser_unit_id": str(town["school"]),
                                                   "co_organiser_ids": str(town["clinic"])})
    assert saved.status_code == 302
    activity = _get(town, int(url.rsplit("/", 1)[1]))
    assert activity.title == "会员沙龙：居家养老" and activity.capacity == 40
    assert activity.co_organiser_ids == [town["clinic"]]
    # A resident may not change it.
    assert browser_for(app, town["grandma"]).get(f"{url}/edit").status_code == 403


def test_the_points_page_shows_this_years_progress_and_designates_a_point(app, town):
    staff = browser_for(app, town["staff"])
    empty = staff.post(f"{PAGES}/points", data={"name": "", "which": "unit", "yearly_target": "60"})
    assert empty.status_code == 422
    text = empty.get_data(as_text=True)
    assert 'id="name-error"' in text and 'id="yearly_target-error"' in text
    made = staff.post(f"{PAGES}/points", data={"name": "学校文化角", "which": "unit", "unit_id": str(town["school"]),
                                               "yearly_target": "4"})
    assert made.status_code == 302
    page = staff.get(f"{PAGES}/points").get_data(as_text=True)
    assert "学校文化角" in page and "已记录活动 0 / 4 次" in page and "进度落后" in page and "2026 年进度" in page
    assert browser_for(app, town["grandma"]).get(f"{PAGES}/points").status_code == 403
    assert browser_for(app, town["grandma"]).get(f"{PAGES}/rules").status_code == 403


def test_the_digest_counts_what_waits(app, town, clock):
    first, second = _lecture(town), _lecture(town, title="书法沙龙", kind="salon")
    with tenant_context(town["community"].id):
        lecture = activities.get_activity(second)
        activities.approve(lecture, actor_id=town["staff"].id)
        activities.set_place(lecture, "广场", actor_id=town["staff"].id)
        db.session.commit()
    clock(2026, 12, 11, 10)  # the salon has taken place, with no record yet
    with tenant_context(town["community"].id):
        from app.sections import digest_counts
        counts = digest_counts()
    assert counts["activity_proposals"] == 1 and counts["activities_without_record"] == 1
    assert counts["activities_with_waiting_list"] == 0
    today = browser_for(app, town["staff"]).get("/c/town/today").get_data(as_text=True)
    assert "已举办、尚无活动记录的活动" in today and "书法沙龙" in today and first


def test_the_today_page_lists_the_activities_with_a_waiting_list(app, town):
    activity_id = _lecture(town, capacity=1)
    with tenant_context(town["community"].id):
        activity = activities.get_activity(activity_id)
        activities.approve(activity, actor_id=town["staff"].id)
        other = residents.create_resident({"name": "赵大爷", "phone": "13900000002"}, actor_id=town["staff"].id)
        for person in (residents.get_resident(town["resident"]), other):
            activities.sign_up(activity, actor_id=town["staff"].id, resident=person)
        db.session.commit()
    today = browser_for(app, town["staff"]).get("/c/town/today").get_data(as_text=True)
    assert "有候补名单的活动" in today and "候补 1 人" in today
    listing = browser_for(app, town["grandma"]).get(f"{PAGES}/").get_data(as_text=True)
    assert "名额已满" in listing and "候补 1 人" in listing


def test_a_co_organisers_representative_changes_the_activity_and_keeps_its_organiser(app, town):
    nurse = member(town["community"], "unit", name="护士长")
    with tenant_context(town["community"].id):
        unit_services.add_representative(unit_services.get_unit(town["clinic"]), nurse.id)
        db.session.commit()
    activity_id = _lecture(town, organiser_unit_id=town["school"])
    with tenant_context(town["community"].id):
        activities.update_activity(activities.get_activity(activity_id), {}, co_organiser_ids=[town["clinic"]])
        db.session.commit()
    url = f"{PAGES}/{activity_id}/edit"
    browser = browser_for(app, nurse)
    assert "柳荫小学" in browser.get(url).get_data(as_text=True)
    saved = browser.post(url, data=GOOD | {"title": "冬季防跌倒讲座（第二场）",
                                           "organiser_unit_id": str(town["school"]),
                                           "co_organiser_ids": str(town["clinic"])})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert _get(town, activity_id).title == "冬季防跌倒讲座（第二场）"
    assert _get(town, activity_id).organiser_unit_id == town["school"]
