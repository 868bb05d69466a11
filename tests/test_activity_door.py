"""The door of an activity, on its pages: signing up (oneself, one's mother, anyone for the coordinator), the
waiting list and its offers, the place with its QR code, accessibility needs only with consent and audited, check-in
by QR code (safe to repeat, never another activity's or community's code), the record with its photos and who may
see them, and a registrants list whose queries do not grow with the sign-ups."""
import io
import os
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.activities import services as activities
from app.activities.models import Registration
from app.core.extensions import db
from app.permissions import RULES, STAFF
from app.photos import services as photos
from app.residents import services as residents
from app.residents.models import AuditEvent
from app.units import services as unit_services
from tenants.context import tenant_context
from tests.factories import CommunityFactory, UnitFactory, browser_for, image_bytes, member

TZ = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def door(app, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="door", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    principal = member(community, "unit", name="校长")
    grandma = member(community, "resident", name="王秀英")
    son = member(community, "resident", name="李强")
    stranger = member(community, "resident", name="路过的人")
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        unit_services.add_representative(school, principal.id)
        people = [residents.create_resident({"name": name, "phone": f"1390000{i:04d}"}, actor_id=staff.id,
                                            account_id=account)
                  for i, (name, account) in enumerate([("王秀英", grandma.id), ("李奶奶", son.id), ("张三丰", None),
                                                      ("赵大爷", None)])]
        lecture = activities.propose(actor_id=staff.id, kind="training", title="健康讲座：冬季防跌倒",
                                     starts_at=at(2026, 12, 10, 9), ends_at=at(2026, 12, 10, 11), capacity=2,
                                     audience="both", organiser_unit_id=school.id, place="社区广场")
        activities.approve(lecture, actor_id=staff.id)
        assert lecture.status == "scheduled"
        db.session.commit()
        yield {"community": community, "staff": staff, "principal": principal, "grandma": grandma, "son": son,
               "stranger": stranger, "school": school.id, "people": [p.id for p in people], "lecture": lecture.id}


def url(door, path="") -> str:
    return f"/c/door/activities/{door['lecture']}{path}"


def _registration(door, registration_id) -> Registration:
    with tenant_context(door["community"].id):
        found = db.session.get(Registration, registration_id)
        db.session.expunge(found)
        return found


def _sign_up(browser, door, **data):
    return browser.post(url(door, "/sign-up"), data=data)


def _id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/registrations/(\d+)$", response.headers["Location"]).group(1))


def test_a_resident_signs_up_herself_and_a_son_his_mother_and_each_sees_the_code_for_the_door(app, door):
    grandma, son = browser_for(app, door["grandma"]), browser_for(app, door["son"])
    form = grandma.get(url(door, "/sign-up")).get_data(as_text=True)
    assert "轮椅位" in form and "手语翻译" in form and "需陪同" in form
    mine = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    page = grandma.get(url(door, f"/registrations/{mine}")).get_data(as_text=True)
    assert "已报名" in page and "<svg" in page and 'role="img"' in page
    code = _registration(door, mine).code
    assert f"<code class=\"door-code\">{code[:5]} {code[5:]}</code>" in page  # the code as text, under the QR
    assert not set(code) & set("ILOU01") and len(code) == 10  # nothing a volunteer could misread
    assert "签到" in page  # what to do at the door

    # The son signs up his mother (the resident he acts for); he may not sign up someone he does not act for.
    mother = _id_of(_sign_up(son, door, resident_id=str(door["people"][1])))
    assert "李奶奶" in son.get(url(door, f"/registrations/{mother}")).get_data(as_text=True)
    refused = _sign_up(son, door, resident_id=str(door["people"][2]))
    assert refused.status_code == 422 and 'id="resident_id-error"' in refused.get_data(as_text=True)

    # Signing up twice is told plainly, and changes nothing.
    again = _sign_up(grandma, door, resident_id=str(door["people"][0]))
    assert again.status_code == 409
    assert "王秀英 已报名此活动。" in again.get_data(as_text=True)
    # Each sees their own sign-ups, not the other's; with everyone she acts for signed up, the activity's page
    # offers her no sign-up button any more.
    assert "健康讲座" in grandma.get("/c/door/activities/mine").get_data(as_text=True)
    assert url(door, "/sign-up") not in grandma.get(url(door)).get_data(as_text=True)
    assert grandma.get(url(door, f"/registrations/{mother}")).status_code == 403


def test_full_means_the_waiting_list_with_its_place_and_a_cancellation_offers_the_place(app, door):
    grandma, son, staff = (browser_for(app, door[k]) for k in ("grandma", "son", "staff"))
    first = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    _id_of(_sign_up(son, door, resident_id=str(door["people"][1])))
    form = staff.get(url(door, "/sign-up")).get_data(as_text=True)
    assert "候补第1位" in form and "加入候补" in form  # the page says they would go on the waiting list, where
    # The coordinator signs up 张三丰 with the picker, and someone who phoned by name: both wait, in order.
    waiting = _id_of(_sign_up(staff, door, resident_id=str(door["people"][2])))
    page = staff.get(url(door, f"/registrations/{waiting}")).get_data(as_text=True)
    assert "候补第1位" in page
    phoned = _id_of(_sign_up(staff, door, resident_id="", name="刘阿姨", phone="13911112222"))
    assert "候补第2位" in staff.get(url(door, f"/registrations/{phoned}")).get_data(as_text=True)
    listing = staff.get(url(door, "/registrations")).get_data(as_text=True)
    assert listing.index("张三丰") < listing.index("刘阿姨") and "2222" in listing

    # Cancelling asks once more; then the place goes to the first waiting, who is offered it.
    assert "确定取消" in grandma.get(url(door, f"/registrations/{first}/cancel")).get_data(as_text=True)
    assert grandma.post(url(door, f"/registrations/{first}/cancel")).status_code == 302
    assert "已取消" in grandma.get(url(door, f"/registrations/{first}")).get_data(as_text=True)
    offered = staff.get(url(door, f"/registrations/{waiting}")).get_data(as_text=True)
    assert "名额保留至" in offered and "请确认" in offered
    assert staff.post(url(door, f"/registrations/{waiting}/take")).status_code == 302
    assert _registration(door, waiting).status == "registered"
    assert "已报名" in staff.get(url(door, f"/registrations/{waiting}")).get_data(as_text=True)
    assert "候补第1位" in staff.get(url(door, f"/registrations/{phoned}")).get_data(as_text=True)


def test_needs_without_consent_are_refused_beside_the_consent_box(app, door):
    grandma = browser_for(app, door["grandma"])
    refused = _sign_up(grandma, door, resident_id=str(door["people"][0]), needs=["wheelchair"])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="needs_consent-error"' in page and "请同意让主办方知晓这些需求" in page
    assert re.search(r'value="wheelchair"\s+checked', page)  # what was ticked comes back
    with tenant_context(door["community"].id):
        assert db.session.execute(select(func.count()).select_from(Registration)).scalar_one() == 0
    accepted = _sign_up(grandma, door, resident_id=str(door["people"][0]), needs=["wheelchair"], needs_consent="y")
    assert accepted.status_code == 302


def test_the_needs_column_is_for_who_may_read_needs_and_each_reading_is_audited(app, door, monkeypatch):
    grandma = browser_for(app, door["grandma"])
    _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0]), needs=["wheelchair", "large_print"],
                    needs_note="左耳听不清", needs_consent="y"))

    def audits():
        with tenant_context(door["community"].id):
            return db.session.execute(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.field.like("activity_needs:%"))).scalar_one()

    # The school's representative organises the activity; where the community keeps needs to the staff, he
    # sees the list without the needs (and no reading is logged).
    monkeypatch.setitem(RULES, "activities.needs", STAFF)
    principal = browser_for(app, door["principal"])
    page = principal.get(url(door, "/registrations")).get_data(as_text=True)
    assert "王秀英" in page and "左耳听不清" not in page and "<th scope=\"col\">需求" not in page
    assert audits() == 0
    # The coordinator sees them, and the reading is written to the access log.
    staff = browser_for(app, door["staff"])
    page = staff.get(url(door, "/registrations")).get_data(as_text=True)
    assert "左耳听不清" in page and "轮椅位" in page
    assert audits() == 1
    # A resident who is no organiser does not see the list at all.
    assert browser_for(app, door["stranger"]).get(url(door, "/registrations")).status_code == 403


def test_check_in_by_the_qr_code_is_safe_to_repeat_and_only_for_this_activitys_codes(app, door, clock):
    grandma = browser_for(app, door["grandma"])
    mine = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    code = _registration(door, mine).code
    clock(2026, 12, 10, 8, 55)  # the day: the organiser logs in at the door
    staff = browser_for(app, door["staff"])
    landing = staff.get(url(door, f"/check-in/{code}")).get_data(as_text=True)
    assert "王秀英" in landing and "签到" in landing
    first = staff.post(url(door, f"/check-in/{code}"))
    assert first.status_code == 200 and "签到成功" in first.get_data(as_text=True)
    when = _registration(door, mine).checked_in_at
    clock(2026, 12, 10, 9, 20)
    again = staff.post(url(door, f"/check-in/{code}")).get_data(as_text=True)
    assert "已签到于 08:55" in again
    assert _registration(door, mine).checked_in_at == when
    # The scan page takes the code, or the whole address the QR code holds.
    scanned = staff.post(url(door, "/check-in"), data={"code": f"http://localhost{url(door, '/check-in/' + code)}"})
    assert scanned.status_code == 302
    assert "08:55" in staff.get(url(door, "/check-in")).get_data(as_text=True)
    # … or the code as a volunteer types it off the phone: in small letters, in its two groups.
    typed = staff.post(url(door, "/check-in"), data={"code": f"{code[:5].lower()} {code[5:].lower()}"})
    assert typed.status_code == 302 and _registration(door, mine).checked_in_at == when
    unknown = staff.post(url(door, "/check-in"), data={"code": "nothing-like-it"})
    assert unknown.status_code == 422 and 'id="code-error"' in unknown.get_data(as_text=True)

    # A code of another activity of the community, and one of another community: not found, in Chinese.
    with tenant_context(door["community"].id):
        salon = activities.propose(actor_id=door["staff"].id, kind="salon", title="会员沙龙",
                                   starts_at=at(2026, 12, 20, 9), ends_at=at(2026, 12, 20, 11), place="活动室")
        activities.approve(salon, actor_id=door["staff"].id)
        other_code = activities.sign_up(salon, actor_id=door["staff"].id, name="孙阿姨").code
        db.session.commit()
    other = CommunityFactory(slug="far", name="远方社区")
    their_admin = member(other, "admin", name="远方管理员")
    with tenant_context(other.id):
        theirs = activities.propose(actor_id=their_admin.id, kind="salon", title="远方沙龙",
                                    starts_at=at(2026, 12, 20, 9), ends_at=at(2026, 12, 20, 11), place="远方")
        activities.approve(theirs, actor_id=their_admin.id)
        their_code = activities.sign_up(theirs, actor_id=their_admin.id, name="远方人").code
        db.session.commit()
        their_activity = theirs.id
    for wrong, says in ((url(door, f"/check-in/{other_code}"), "这个签到码不属于“健康讲座：冬季防跌倒”的报名"),
                        (url(door, f"/check-in/{their_code}"), "这个签到码不属于"),
                        (f"/c/door/activities/{their_activity}/check-in/{their_code}", "未找到页面")):
        for method in ("get", "post"):
            response = getattr(staff, method)(wrong)
            assert response.status_code == 404, wrong
            assert says in response.get_data(as_text=True)
    with tenant_context(door["community"].id):
        assert db.session.execute(select(func.count()).select_from(Registration).where(
            Registration.checked_in_at.is_not(None))).scalar_one() == 1


def test_a_walk_in_and_the_sign_in_sheet(app, door):
    grandma, staff = browser_for(app, door["grandma"]), browser_for(app, door["staff"])
    _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    assert staff.post(url(door, "/walk-ins"), data={"resident_id": "", "name": "过路的老周"}).status_code == 302
    listing = staff.get(url(door, "/registrations")).get_data(as_text=True)
    assert "过路的老周" in listing and "现场" in listing
    sheet = staff.get(url(door, "/sign-in-sheet")).get_data(as_text=True)
    assert "王秀英" in sheet and "签名" in sheet and sheet.count('class="qr qr-small"') == 2
    empty = staff.post(url(door, "/walk-ins"), data={"resident_id": "", "name": ""})
    assert empty.status_code == 422 and 'id="name-error"' in empty.get_data(as_text=True)


def test_the_record_needs_a_photo_with_its_alt_text_and_its_photos_are_for_the_activitys_people(app, door, clock):
    grandma, staff = browser_for(app, door["grandma"]), browser_for(app, door["staff"])
    _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    early = staff.get(url(door, "/record")).get_data(as_text=True)
    assert "活动举行后" in early and "<textarea" not in early  # not before it is held
    clock(2026, 12, 10, 12)
    grandma, staff = browser_for(app, door["grandma"]), browser_for(app, door["staff"])
    with tenant_context(door["community"].id):
        activities.held_due()
        db.session.commit()

    without = staff.post(url(door, "/record"), data={"record_text": "三十位居民参加。", "walk_ins": "3"})
    page = without.get_data(as_text=True)
    assert without.status_code == 422 and 'id="photos-error"' in page and "活动记录至少需要一张照片。" in page
    assert "三十位居民参加。" in page  # what was typed comes back
    no_alt = staff.post(url(door, "/record"), content_type="multipart/form-data", data={
        "record_text": "三十位居民参加。", "walk_ins": "3", "photo-0": (io.BytesIO(image_bytes()), "a.png"),
        "alt-0": "", "consent": "y"})
    assert no_alt.status_code == 422 and 'id="alt-0-error"' in no_alt.get_data(as_text=True)

    sent = staff.post(url(door, "/record"), content_type="multipart/form-data", data={
        "record_text": "三十位居民参加。", "walk_ins": "3", "photo-0": (io.BytesIO(image_bytes()), "a.png"),
        "alt-0": "医生为老人讲解防跌倒", "consent": "y"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = staff.get(url(door, "/record")).get_data(as_text=True)
    assert 'alt="医生为老人讲解防跌倒"' in page and "关闭活动" in page
    with tenant_context(door["community"].id):
        [photo_id] = [p.id for p in photos.photos_of(activities.PHOTO_OWNER, [door["lecture"]])[door["lecture"]]]
        assert activities.get_activity(door["lecture"]).walk_ins == 3
    # The registrant and the organisers see the photo; a resident who did not take part does not.
    assert grandma.get(f"/c/door/photos/{photo_id}/thumb").status_code == 200
    assert browser_for(app, door["principal"]).get(f"/c/door/photos/{photo_id}").status_code == 200
    assert browser_for(app, door["stranger"]).get(f"/c/door/photos/{photo_id}").status_code == 404

    assert staff.post(url(door, "/close")).status_code == 302
    with tenant_context(door["community"].id):
        assert activities.get_activity(door["lecture"]).status == "closed"


def test_the_registrants_list_queries_do_not_grow_with_the_sign_ups(app, door, count_sql):
    staff = browser_for(app, door["staff"])
    counts = {}
    with tenant_context(door["community"].id):
        lecture = activities.get_activity(door["lecture"])
        activities.update_activity(lecture, {"capacity": 100})
        db.session.commit()
    added = 0
    for size in (3, 30):
        with tenant_context(door["community"].id):
            lecture = activities.get_activity(door["lecture"])
            for i in range(added, size):
                activities.sign_up(lecture, actor_id=door["staff"].id, name=f"居民{i}", phone=f"1380000{i:04d}",
                                   needs=["wheelchair"] if i % 2 else [], needs_consent=True)
            db.session.commit()
        added = size
        staff.get(url(door, "/registrations"))
        with count_sql() as n:
            response = staff.get(url(door, "/registrations"))
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('<tr id="r') == size
        counts[size] = n()
    assert counts[3] == counts[30], counts


# --- the panels of the activity's page ---------------------------------------------------------------

def test_the_activity_page_shows_sign_up_my_place_the_door_tools_and_the_record(app, door, clock):
    grandma, staff = browser_for(app, door["grandma"]), browser_for(app, door["staff"])
    panel = url(door)
    page = grandma.get(panel).get_data(as_text=True)
    assert url(door, "/sign-up") in page and "名额 2 个，已占 0 个。" in page
    assert url(door, "/check-in") not in page and url(door, "/sign-in-sheet") not in page  # no door tools
    mine = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    page = grandma.get(panel).get_data(as_text=True)
    assert url(door, f"/registrations/{mine}") in page and "已报名" in page
    tools = staff.get(panel).get_data(as_text=True)
    assert url(door, "/check-in") in tools and url(door, "/sign-in-sheet") in tools and "未到场" in tools
    assert "活动记录" not in grandma.get(panel).get_data(as_text=True)  # nothing recorded yet

    clock(2026, 12, 10, 12)
    grandma, staff = browser_for(app, door["grandma"]), browser_for(app, door["staff"])
    with tenant_context(door["community"].id):
        activities.held_due()
        db.session.commit()
    assert "填写活动记录" in staff.get(panel).get_data(as_text=True)
    staff.post(url(door, "/record"), content_type="multipart/form-data", data={
        "record_text": "居民们学会了防跌倒操。", "walk_ins": "0", "photo-0": (io.BytesIO(image_bytes()), "a.png"),
        "alt-0": "居民一起做防跌倒操", "consent": "y"})
    page = grandma.get(panel).get_data(as_text=True)
    assert "居民们学会了防跌倒操。" in page and 'alt="居民一起做防跌倒操"' in page


def test_a_unit_registers_its_people_by_name_and_a_role_that_signs_nobody_up_is_refused(app, door):
    principal = browser_for(app, door["principal"])
    form = principal.get(url(door, "/sign-up")).get_data(as_text=True)
    assert "柳荫小学" in form and 'name="resident_id"' not in form
    nameless = _sign_up(principal, door, unit_id=str(door["school"]), name="")
    assert nameless.status_code == 422 and 'id="name-error"' in nameless.get_data(as_text=True)
    teacher = _id_of(_sign_up(principal, door, unit_id=str(door["school"]), name="刘老师", phone="13712345678"))
    registration = _registration(door, teacher)
    assert (registration.unit_id, registration.name, registration.phone_tail) == (door["school"], "刘老师", "5678")
    assert "刘老师" in principal.get(url(door, f"/registrations/{teacher}")).get_data(as_text=True)
    council = member(door["community"], "council", name="理事")
    assert browser_for(app, council).get(url(door, "/sign-up")).status_code == 403


def test_the_record_takes_a_photo_larger_than_other_forms_may_be(app, door, clock):
    """A phone photo of 6 MB goes through the record's form (other forms stop at 5 MB)."""
    from PIL import Image

    noise = Image.frombytes("RGB", (1600, 1300), os.urandom(1600 * 1300 * 3))
    big = io.BytesIO()
    noise.save(big, format="PNG", compress_level=0)
    assert 5 * 1024 * 1024 < len(big.getvalue()) < app.config["UPLOAD_MAX_BYTES"]
    clock(2026, 12, 10, 12)
    staff = browser_for(app, door["staff"])
    with tenant_context(door["community"].id):
        activities.held_due()
        db.session.commit()
    sent = staff.post(url(door, "/record"), content_type="multipart/form-data", data={
        "record_text": "居民合影。", "walk_ins": "0", "photo-0": (io.BytesIO(big.getvalue()), "big.png"),
        "alt-0": "居民在礼堂合影", "consent": "y"})
    assert sent.status_code == 302, sent.status_code


def test_a_place_is_not_given_up_once_the_activity_has_taken_place_and_nobody_waiting_is_offered_it(app, door, clock):
    grandma = browser_for(app, door["grandma"])
    staff = browser_for(app, door["staff"])
    mine = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    _id_of(_sign_up(staff, door, resident_id=str(door["people"][2])))
    waiting = _id_of(_sign_up(staff, door, resident_id=str(door["people"][3])))
    assert _registration(door, waiting).status == "waiting"
    clock(2026, 12, 10, 12)  # the lecture is over
    with tenant_context(door["community"].id):
        activities.held_due()
        db.session.commit()
    grandma = browser_for(app, door["grandma"])  # a new day, a new log-in
    answer = grandma.post(url(door, f"/registrations/{mine}/cancel"), follow_redirects=True)
    assert "活动已举办，报名不能再取消。" in answer.get_data(as_text=True)
    assert _registration(door, mine).status == "registered"  # she stays counted (present or a no-show)
    assert _registration(door, waiting).status == "waiting"  # nobody is offered a place at a past lecture


def test_nobody_is_signed_in_after_the_activity_is_closed_so_its_record_keeps_its_figures(app, door, clock):
    grandma = browser_for(app, door["grandma"])
    mine = _id_of(_sign_up(grandma, door, resident_id=str(door["people"][0])))
    clock(2026, 12, 10, 12)
    staff = browser_for(app, door["staff"])
    with tenant_context(door["community"].id):
        activities.held_due()
        db.session.commit()
    staff.post(url(door, "/record"), content_type="multipart/form-data", data={
        "record_text": "居民们学会了防跌倒操。", "walk_ins": "0", "photo-0": (io.BytesIO(image_bytes()), "a.png"),
        "alt-0": "居民一起做防跌倒操", "consent": "y"})
    assert staff.post(url(door, "/close")).status_code == 302
    code = _registration(door, mine).code
    late = staff.post(url(door, f"/registrations/{mine}/check-in"), follow_redirects=True)
    assert "活动已结束记录，不再签到。" in late.get_data(as_text=True)
    scanned = staff.post(url(door, "/check-in"), data={"code": code})
    assert "活动已结束记录，不再签到。" in scanned.get_data(as_text=True)
    landing = staff.get(url(door, f"/check-in/{code}")).get_data(as_text=True)
    assert "活动已结束记录，不再签到。" in landing and 'class="button primary door-big"' not in landing  # no button
    staff.post(url(door, f"/check-in/{code}"))
    assert _registration(door, mine).checked_in_at is None  # a no-show in the closed record, as it was
