"""Journeys of a joint activity, in real browsers (JOURNEYS.md: resident, coordinator).

1. An elderly resident, on a 360-px phone in large text, finds the health lecture in the community menu's
   activities, signs herself up with a wheelchair place, and sees her place and its QR code. The day before, the
   reminder reaches her messages. On the day the coordinator, on a phone, opens what the QR code encodes and signs
   her in; opened again it says she is already in; the registrants list shows her present.
2. After the lecture the coordinator, at the office screen, finds it on the today page among the activities held
   without a record, writes the record with a photo, and closes it; the activity's page then shows it closed
   with its record. The record page is checked at 360 px too.

The community clock is frozen (the live server runs in this process, so it shares the clock). Without Redis the
jobs a request queues run in the server after it; those the test queues itself run with `drain`.
"""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.activities import door
from app.activities import services as activities
from app.core.extensions import db
from app.residents import services as residents
from tenants.context import tenant_context
from tests.e2e.conftest import T, log_in, open_menu, settle
from tests.e2e.test_phone import PHONE, WIDTH, no_sideways_scroll, shoot
from tests.factories import CommunityFactory, UnitFactory, image_bytes, member

TZ = ZoneInfo("Asia/Shanghai")
TITLE = "健康讲座：冬季防跌倒"
DESK = {"viewport": {"width": 1280, "height": 900}}


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


def _lecture(community, staff_id: int, **extra) -> int:
    """The school's health lecture on Thursday 10 December 2026, 09:00–11:00 in the community centre, scheduled."""
    with tenant_context(community.id):
        school = UnitFactory(name="柳荫小学", type="school")
        db.session.flush()
        lecture = activities.propose(actor_id=staff_id, kind="training", title=TITLE,
                                     description="社区卫生服务中心李医生讲解冬季防跌倒与居家康复锻炼。",
                                     starts_at=at(2026, 12, 10, 9), ends_at=at(2026, 12, 10, 11), capacity=30,
                                     speakers="李医生", organiser_unit_id=school.id, place="社区活动中心一楼大厅",
                                     **extra)
        activities.approve(lecture, actor_id=staff_id)
        assert lecture.status == "scheduled"
        db.session.commit()
        return lecture.id


def menu(page):
    return page.get_by_role("navigation", name=T("Community menu"))


def figure(page, label: str):
    """The number beside one of the attendance figures (Signed up, Present, …)."""
    return page.locator(".door-figures > div").filter(has=page.locator("dt", has_text=T(label))).locator("dd")


def test_a_resident_signs_up_is_reminded_and_is_signed_in_at_the_door(new_context, live_server, clock, drain):
    clock(2026, 12, 7, 10)  # Monday; the lecture is on Thursday
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    community_id = community.id
    staff = member(community, "coordinator", name="陈协调", email="coord@liuyin.example")
    grandma = member(community, "resident", name="王秀英", email="wang@liuyin.example", large_text=True)
    with tenant_context(community.id):
        residents.create_resident({"name": "王秀英", "phone": "13900005678", "birth_date": datetime(1941, 3, 2).date()},
                                  actor_id=staff.id, account_id=grandma.id)
        db.session.commit()
    lecture_id = _lecture(community, staff.id)
    drain()  # the proposal's messages to the staff
    settle()

    # 王秀英, on her phone in large text: the menu → 活动 → the lecture.
    phone = new_context(**PHONE).new_page()
    log_in(phone, "wang@liuyin.example")
    expect(phone.locator("html")).to_have_class(re.compile(r"\btext-large\b"))
    open_menu(phone)
    menu(phone).get_by_role("link", name=T("Activities")).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text(T("Activities"))
    lecture_link = phone.get_by_role("link", name=TITLE)
    expect(lecture_link).to_be_visible()
    no_sideways_scroll(phone, "activity list")
    shoot(phone, "journey-activity-list")
    lecture_link.tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(phone.get_by_text("社区活动中心一楼大厅").first).to_be_visible()
    expect(phone.get_by_text(T("%(n)s of %(m)s places left", n=30, m=30))).to_be_visible()
    no_sideways_scroll(phone, "the lecture's page")
    shoot(phone, "journey-activity-detail")

    # She signs herself up, with a wheelchair place, and agrees that the organisers know it.
    phone.get_by_role("link", name=T("Sign up")).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text(T("Sign up"))
    expect(phone.get_by_role("radio", name="王秀英")).to_be_checked()  # the only person she signs up
    phone.get_by_role("checkbox", name=T("Wheelchair place")).check()
    no_sideways_scroll(phone, "the sign-up form")
    shoot(phone, "journey-sign-up")
    phone.get_by_role("button", name=T("Sign up")).tap()
    # Needs without the consent tick: told beside the tick, nothing is kept.
    consent = phone.get_by_role("checkbox", name=T("The person signed up agrees that the organisers know these needs."))
    expect(consent).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_role("checkbox", name=T("Wheelchair place"))).to_be_checked()
    no_sideways_scroll(phone, "the sign-up form with its error")
    consent.check()
    phone.get_by_role("button", name=T("Sign up")).tap()

    # Her place: signed up, and the code for the door, as a QR code and as text.
    expect(phone.get_by_role("heading", level=1)).to_have_text(T("The place of %(name)s", name="王秀英"))
    expect(phone.get_by_text(T("%(name)s is signed up.", name="王秀英"))).to_be_visible()
    expect(phone.locator(".door-status-text")).to_have_text(T("Signed up"))
    qr = phone.get_by_role("img", name=T("QR code of %(name)s's place", name="王秀英"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] + box["width"] <= WIDTH, f"the QR code is {box}"  # big enough to scan
    shown = phone.locator("code.door-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{5} [A-Z2-9]{5}", shown), shown  # two groups, easy to read out at the door
    code = shown.replace(" ", "")
    no_sideways_scroll(phone, "her place with its QR code")
    shoot(phone, "journey-registration-qr")
    # What the QR code encodes: the check-in address of this place (the same drawing as that address's code).
    door_url = f"{live_server}/c/liuyin/activities/{lecture_id}/check-in/{code}"
    drawn = qr.locator("path[stroke]").get_attribute("d")
    assert drawn == re.search(r'stroke="#000" d="([^"]+)"', door.qr_svg(door_url, label="x")).group(1)

    # Wednesday: the reminder job runs; she reads the reminder in her messages.
    clock(2026, 12, 9, 10)
    with tenant_context(community_id):
        assert activities.remind_due() == 1
        db.session.commit()
    drain()
    settle()
    log_in(phone, "wang@liuyin.example")  # two days later her session has ended: she logs in again
    phone.get_by_role("banner").get_by_role("link", name=T("Messages", exact=False)).tap()
    expect(phone).to_have_url(re.compile(r"/c/liuyin/notifications/$"))
    reminder = phone.locator("ul.inbox > li").filter(has_text=re.compile(f"(提醒|A reminder).*{TITLE}"))
    expect(reminder).to_have_count(1)
    expect(reminder).to_contain_text("2026-12-10 09:00")
    expect(reminder).to_contain_text("社区活动中心一楼大厅")
    no_sideways_scroll(phone, "her messages with the reminder")
    shoot(phone, "journey-reminder")

    # Thursday 08:50 at the door: the coordinator's phone opens what the code encodes and signs her in.
    clock(2026, 12, 10, 8, 50)
    settle()
    organiser = new_context(**PHONE).new_page()
    log_in(organiser, "coord@liuyin.example")
    organiser.goto(door_url)
    expect(organiser.get_by_role("heading", level=1)).to_contain_text("王秀英")
    expect(organiser.get_by_role("heading", level=1)).to_contain_text("5678")  # the phone's last digits
    no_sideways_scroll(organiser, "the code's page at the door")
    shoot(organiser, "journey-door-landing")
    organiser.get_by_role("button", name=T("Sign in")).tap()
    expect(organiser.get_by_role("status")).to_have_text(T("Signed in."))
    shoot(organiser, "journey-door-signed-in")
    organiser.goto(door_url)  # the same code scanned again
    expect(organiser.get_by_role("status")).to_have_text(T("Already signed in at %(time)s.", time="08:50"))
    expect(organiser.get_by_role("button", name=T("Sign in"))).to_have_count(0)
    no_sideways_scroll(organiser, "the code's page scanned again")

    organiser.get_by_role("link", name=T("Registrants")).first.tap()
    expect(organiser.get_by_role("heading", level=1)).to_have_text(T("Registrants"))
    row = organiser.get_by_role("row").filter(has=organiser.get_by_role("rowheader", name="王秀英"))
    expect(row).to_contain_text(T("Signed in at %(time)s", time="08:50", exact=False))
    expect(row).to_contain_text(T("Wheelchair place", exact=False))
    expect(figure(organiser, "Present")).to_have_text("1")
    no_sideways_scroll(organiser, "the registrants list")
    shoot(organiser, "journey-registrants")

    # Her place says so too: from the reminder to the lecture's page, and on to her place.
    log_in(phone, "wang@liuyin.example")
    phone.get_by_role("banner").get_by_role("link", name=T("Messages", exact=False)).tap()
    reminder.get_by_role("button", name=T("Open")).tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text(TITLE)
    phone.get_by_role("region", name=T("Places and sign-ups")).get_by_role("link", name="王秀英").tap()
    expect(phone.get_by_text(T("Signed in at %(time)s.", time="08:50"))).to_be_visible()
    no_sideways_scroll(phone, "her place after the door")


def test_the_coordinator_records_a_held_lecture_with_a_photo_and_closes_it(app, new_context, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 12, 7, 10)
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    community_id = community.id
    staff = member(community, "coordinator", name="陈协调", email="coord@liuyin.example")
    lecture_id = _lecture(community, staff.id)
    with tenant_context(community_id):
        lecture = activities.get_activity(lecture_id)
        came = activities.sign_up(lecture, actor_id=staff.id, name="王秀英", phone="13900005678")
        activities.sign_up(lecture, actor_id=staff.id, name="赵大爷", phone="13900001234")  # stays at home
        db.session.commit()
        clock(2026, 12, 10, 8, 55)
        activities.check_in(came, actor_id=staff.id)
        db.session.commit()
        clock(2026, 12, 10, 14)  # the lecture ended at 11:00; the periodic job marks it held
        assert activities.held_due() == 1
        db.session.commit()
    settle()

    # At the office: Today → the lecture among the activities held without a record.
    desk = new_context(**DESK).new_page()
    log_in(desk, "coord@liuyin.example")
    menu(desk).get_by_role("link", name=T("Today")).click()
    waiting = desk.get_by_role("region", name=T("Activities held without a record", exact=False))
    expect(waiting).to_be_visible()
    shoot(desk, "journey-today-without-record")
    waiting.get_by_role("link", name=TITLE).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(desk.locator(".activity-facts")).to_contain_text(T("Held", exact=False))
    desk.get_by_role("link", name=T("Write the record")).click()

    expect(desk.get_by_role("heading", level=1)).to_have_text(T("The activity's record"))
    expect(figure(desk, "Signed up")).to_have_text("2")
    expect(figure(desk, "Present")).to_have_text("1")
    expect(figure(desk, "No-shows")).to_have_text("1")
    desk.set_viewport_size({"width": WIDTH, "height": 740})  # the same page on a phone's width
    no_sideways_scroll(desk, "the record form")
    shoot(desk, "journey-record-form-360")
    desk.set_viewport_size(DESK["viewport"])

    desk.get_by_label(T("What happened")).fill("李医生讲解了冬季防跌倒的要点，现场演示了居家康复操，"
                                               "二十多位老人跟着练习并提问。")
    desk.get_by_label(T("People present who were not signed up by name")).fill("22")
    desk.get_by_label(T("Choose the photos")).set_input_files(
        [{"name": "讲座现场.jpg", "mimeType": "image/jpeg",
          "buffer": image_bytes((640, 480), (90, 140, 200), fmt="JPEG")}])
    expect(desk.locator("label[for=alt-0]")).to_contain_text("讲座现场.jpg")  # one description per chosen photo
    desk.locator("#alt-0").fill("李医生在活动中心为老人们演示康复操")
    desk.get_by_label(T("The people who can be recognised in these photos agreed to be photographed and shown.")) \
        .check()
    with desk.expect_navigation():
        desk.get_by_role("button", name=T("Save the record")).click()

    expect(desk.get_by_text(T("The record is saved."))).to_be_visible()
    photo = desk.get_by_role("img", name="李医生在活动中心为老人们演示康复操")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")  # the thumbnail really came
    expect(desk.locator(".photo-alt")).to_have_text("李医生在活动中心为老人们演示康复操")
    expect(figure(desk, "Present")).to_have_text("23")  # one signed in at the door and 22 more
    expect(figure(desk, "Walk-ins")).to_have_text("22")
    expect(desk.get_by_label(T("What happened"))).to_have_value(re.compile("居家康复操"))
    desk.set_viewport_size({"width": WIDTH, "height": 740})
    no_sideways_scroll(desk, "the record with its photo")
    shoot(desk, "journey-record-saved-360")
    desk.set_viewport_size(DESK["viewport"])
    shoot(desk, "journey-record-saved-desk")

    desk.get_by_role("button", name=T("Close the activity")).click()
    expect(desk.get_by_text(T("The activity is closed."))).to_be_visible()
    expect(desk.get_by_text(T("The activity is closed; its record stays as it is."))).to_be_visible()
    expect(desk.get_by_role("button", name=T("Save the record"))).to_have_count(0)

    # The activity's page: closed, with its record and the photo.
    desk.locator(".door-activity").get_by_role("link", name=TITLE).click()
    expect(desk.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(desk.locator(".activity-facts")).to_contain_text(T("Closed", exact=False))
    record = desk.get_by_role("region", name=T("Record"))
    expect(record).to_contain_text("现场演示了居家康复操")
    expect(record.get_by_role("img", name="李医生在活动中心为老人们演示康复操")).to_be_visible()
    expect(record.get_by_role("link", name=T("Write the record"))).to_have_count(0)
    sign_ups = desk.get_by_role("region", name=T("Places and sign-ups"))
    expect(sign_ups.get_by_text(T("This activity has taken place."))).to_be_visible()  # not "not open yet"
    expect(desk.get_by_text(T("%(n)s of %(m)s places left", exact=False))).to_have_count(0)  # over: no places left
    shoot(desk, "journey-activity-closed-desk")
    desk.set_viewport_size({"width": WIDTH, "height": 740})
    no_sideways_scroll(desk, "the closed activity")
    shoot(desk, "journey-activity-closed-360")
