"""A unit applies to join the association from the public page, the council reviews it, the vote decides, and the
admitted unit's contact acts for it — through the pages, the JSON API and the services."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app import history
from app.accounts.models import User
from app.applications import services
from app.applications.models import UnitApplication
from app.core import signals
from app.core.extensions import db
from app.notifications.models import OutboxEvent
from app.units import services as units
from app.units.models import Unit
from tenants.context import tenant_context
from tenants.models import Membership
from tests.factories import Browser, CommunityFactory, browser_for, member, token_for

SLUG = "join"
JOIN = f"/c/{SLUG}/join"
API = f"/api/v1/c/{SLUG}/applications"
CODE = "91350100M000100Y43"  # a published, valid code
CODE2 = "91110000600037341L"
NEW_PASSWORD = "lanshan-2026"


def form(**changes) -> dict:
    data = {"unit_name": "蓝山便利店", "unit_type": "shop", "credit_code": CODE, "address": "柳荫街12号",
            "contact_name": "刘芳", "contact_mobile": "138 0013 8000", "contact_email": "", "offers": ["meal", "job"],
            "needs": "店员培训", "motivation": "想为社区老人送餐", "consent": "true", "password": NEW_PASSWORD,
            "website": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def body(**changes) -> dict:
    data = form(**changes)
    data["consent"] = data.get("consent") == "true"
    return data


def loaded(**changes) -> dict:
    """What the API's schema makes of a body: what the services take."""
    from app.applications.schemas import ApplicationIn

    return ApplicationIn().load(body(**changes))


@pytest.fixture
def world(app, clock):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug=SLUG, name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    council = member(community, "council", name="赵理事")
    rep = member(community, "representative", name="孙代表")
    return {"community": community, "staff": staff, "council": council, "rep": rep}


def count() -> int:
    return db.session.execute(select(func.count(UnitApplication.id))).scalar_one()


def in_community(world):
    return tenant_context(world["community"].id)


def apply_page(client, data=None, ip="10.9.0.1", browser=None):
    browser = browser or Browser(client)
    browser.get(JOIN)
    return browser.post(JOIN, data=data or form(), environ_base={"REMOTE_ADDR": ip})


def the_application(world) -> UnitApplication:
    with in_community(world):
        return db.session.execute(select(UnitApplication)).scalar_one()


# --- applying on the public page --------------------------------------------------------------------

def test_the_public_form_is_open_to_visitors_and_says_everything_in_chinese(client, world):
    response = client.get(JOIN)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for words in ("统一社会信用代码", "手机号", "同意", "密码"):
        assert words in text, words
    # The honeypot is hidden from screen readers and the keyboard.
    assert 'aria-hidden="true"' in text and 'tabindex="-1"' in text and 'name="website"' in text


def test_an_unknown_or_suspended_community_has_no_form(client, world):
    assert client.get("/c/no-such-place/join").status_code == 404
    other = CommunityFactory(slug="sleepy", status="suspended")
    assert client.get(f"/c/{other.slug}/join").status_code == 404


def test_a_unit_applies_its_contact_gets_an_account_and_follows_the_application(app, client, world):
    response = apply_page(client)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{JOIN}/thanks")
    application = the_application(world)
    assert (application.unit_name, application.credit_code, application.contact_mobile) == \
        ("蓝山便利店", CODE, "13800138000")
    assert application.status == "submitted" and application.consent_at is not None
    assert application.offers == ["job", "meal"]
    application_id = application.id
    user = db.session.get(User, application.applicant_id)
    assert (user.phone, user.name) == ("13800138000", "刘芳")
    # Logged in with the new account, the applicant follows it without being a member.
    page = client.get(f"{JOIN}/mine")
    assert page.status_code == 200 and "蓝山便利店" in page.get_data(as_text=True)
    own = client.get(f"{JOIN}/mine/{application_id}")
    assert own.status_code == 200 and "等待理事会" in own.get_data(as_text=True)
    with in_community(world):
        assert db.session.execute(select(Membership).where(Membership.user_id == user.id)).first() is None
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "application.received")).scalar_one()
        assert event.audience == {"roles": ["admin", "coordinator", "council"]}
        assert [c.to_status for c in services.history_of(services.get_application(application_id))] == ["submitted"]
    # The mobile and the password are the log-in.
    assert browser_for(app, "13800138000", NEW_PASSWORD)


def test_every_mistake_is_told_at_once_beside_its_field_and_nothing_is_stored(client, world):
    response = apply_page(client, form(unit_name="", credit_code="91350100M000100Y44", contact_mobile="1234",
                                       consent=None, password="short", unit_type="rocket", motivation=""))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for field in ("unit_name", "credit_code", "contact_mobile", "consent", "password", "unit_type", "motivation"):
        assert f'id="{field}-error"' in text, field
    assert "校验" in text and "11" in text
    with in_community(world):
        assert count() == 0
    assert db.session.execute(select(func.count(User.id)).where(User.phone == "13800138000")).scalar_one() == 0


# --- duplicates -------------------------------------------------------------------------------------

def _admitted_unit(world, name="老街书店", code=CODE, address="柳荫街1号"):
    with in_community(world):
        user = db.session.get(User, world["rep"].id)
        application = services.apply(loaded(unit_name=name, credit_code=code, address=address,
                                          contact_mobile="13900000001"), user=user)
        history.record(application, "ballot", actor_id=None)
        services.admit(application, actor_id=None)
        db.session.commit()


@pytest.mark.parametrize("case,field,says", [
    ("code_of_member", "credit_code", "已是成员单位"),
    ("code_pending", "credit_code", "等待决定"),
    ("name_and_address", "unit_name", "已是成员单位"),
    ("phone_pending", "contact_mobile", "等待决定"),
])
def test_a_duplicate_is_told_on_its_field_and_no_second_record_is_made(client, world, case, field, says):
    if case == "code_of_member":
        _admitted_unit(world)
        data = form()
    elif case == "code_pending":
        assert apply_page(client).status_code == 302
        client = client.application.test_client()
        data = form(unit_name="另一家店", contact_mobile="13700000000")
    elif case == "name_and_address":
        with in_community(world):
            units.create_unit({"name": "蓝山便利店", "type": "shop", "address": "柳荫街 12号"})
            db.session.commit()
        data = form(credit_code=CODE2)
    else:
        assert apply_page(client).status_code == 302
        client = client.application.test_client()
        data = form(unit_name="另一家店", credit_code=CODE2)
    with in_community(world):
        before = count()
    response = apply_page(client, data, ip="10.9.9.9")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text and says in text
    with in_community(world):
        assert count() == before


def test_a_member_unit_of_the_same_name_elsewhere_is_asked_to_tell_them_apart(client, world):
    with in_community(world):
        units.create_unit({"name": "蓝山便利店", "type": "shop", "address": "槐树街8号"})
        db.session.commit()
    response = apply_page(client, form(credit_code=CODE2))
    assert response.status_code == 422 and "柳荫街店" in response.get_data(as_text=True)


# --- the account ------------------------------------------------------------------------------------

def test_a_mobile_or_email_that_has_an_account_must_log_in_first(client, world):
    member(world["community"], "resident", name="刘芳", phone="13800138000", email="liu@test.example")
    response = apply_page(client, form(contact_email="LIU@test.example"))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="contact_mobile-error"' in text and 'id="contact_email-error"' in text and "请先登录" in text
    with in_community(world):
        assert count() == 0


def test_a_logged_in_visitor_applies_with_their_own_account(app, world):
    visitor = member(CommunityFactory(slug="elsewhere"), "resident", name="刘芳", phone="13800138000")
    browser = browser_for(app, visitor)
    page = browser.get(JOIN).get_data(as_text=True)
    assert 'value="13800138000"' in page and 'name="password"' not in page  # prefilled, no new password
    response = apply_page(browser.client, form(password=None), browser=browser)
    assert response.status_code == 302
    assert the_application(world).applicant_id == visitor.id
    assert db.session.execute(select(func.count(User.id))).scalar_one() == 3 + 1  # the world's and theirs: no new one


# --- abuse: the honeypot and the limits -------------------------------------------------------------

def test_a_filled_honeypot_is_answered_as_accepted_and_stores_nothing(client, world):
    response = apply_page(client, form(website="http://spam.example"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{JOIN}/thanks")
    api = client.application.test_client().post(API, json=body(website="http://spam.example", unit_name="机器人"))
    assert api.status_code == 201 and api.get_json()["status"] == "submitted"
    with in_community(world):
        assert count() == 0
        assert db.session.execute(select(func.count(OutboxEvent.id))
                                  .where(OutboxEvent.event.like("application.%"))).scalar_one() == 0
    assert db.session.execute(select(func.count(User.id)).where(User.phone == "13800138000")).scalar_one() == 0


def test_one_phone_sends_at_most_three_applications_a_day(app, world):
    app.config["APPLY_RATE_LIMIT_IP"] = "1000 per hour"
    for i in range(3):
        client = app.test_client()
        assert apply_page(client, form(website="x"), ip=f"10.7.0.{i}").status_code == 302
    # The fourth, from another address and written differently, is the same phone.
    response = apply_page(app.test_client(), form(contact_mobile="+86-138-0013-8000"), ip="10.7.0.9")
    assert response.status_code == 429
    assert app.test_client().post(API, json=body(), environ_base={"REMOTE_ADDR": "10.7.0.10"}).status_code == 429
    assert apply_page(app.test_client(), form(contact_mobile="13900000009", website="x"),
                      ip="10.7.0.11").status_code == 302


def test_one_address_is_limited_whatever_the_phones(app, world):
    app.config["APPLY_RATE_LIMIT_IP"] = "4 per hour"
    for i in range(4):  # mistakes count too
        assert apply_page(app.test_client(), form(contact_mobile=f"1390000000{i}", credit_code="bad"),
                          ip="10.8.0.1").status_code == 422
    assert apply_page(app.test_client(), form(contact_mobile="13900000008"), ip="10.8.0.1").status_code == 429
    assert app.test_client().post(API, json=body(), environ_base={"REMOTE_ADDR": "10.8.0.1"}).status_code == 429
    with in_community(world):
        assert count() == 0
    assert apply_page(app.test_client(), form(), ip="10.8.0.2").status_code == 302


# --- the lifecycle ----------------------------------------------------------------------------------

def _close(application_id: int, outcome: str, **result):
    """What the ballot engine says when the vote on an application closes."""
    signals.ballot_closed.send(object(), subject_type="application", subject_id=application_id, outcome=outcome,
                               result={"outcome": outcome, **result})


def _to_ballot(world, application_id):
    with in_community(world):
        application = services.get_application(application_id)
        history.record(application, "ballot", actor_id=world["council"].id)
        application.ballot_id = 77
        db.session.commit()


def test_review_info_request_resubmit_vote_and_admission(app, world, drain):
    client = app.test_client()
    assert apply_page(client).status_code == 302
    application_id = the_application(world).id
    council = browser_for(app, world["council"])
    detail = f"/c/{SLUG}/applications/{application_id}"
    listing = council.get(f"/c/{SLUG}/applications/").get_data(as_text=True)
    assert "蓝山便利店" in listing
    assert council.post(f"{detail}/take").status_code == 302
    response = council.post(f"{detail}/ask", data={"message": ""})
    assert response.status_code == 422 and 'id="message-error"' in response.get_data(as_text=True)
    assert council.post(f"{detail}/ask", data={"message": "请补充营业执照上的地址"}).status_code == 302
    application = the_application(world)
    assert (application.status, application.info_request) == ("info_requested", "请补充营业执照上的地址")
    drain()
    # The applicant reads the question and completes the application.
    page = client.get(f"{JOIN}/mine/{application_id}").get_data(as_text=True)
    assert "请补充营业执照上的地址" in page
    edit = client.get(f"{JOIN}/mine/{application_id}/edit").get_data(as_text=True)
    assert "柳荫街12号" in edit
    sent = Browser(client)
    sent.get(f"{JOIN}/mine/{application_id}/edit")
    data = {k: v for k, v in form(address="柳荫街12号院1号楼底商", note="已补充").items()
            if k not in ("contact_mobile", "consent", "password", "website")}
    assert sent.post(f"{JOIN}/mine/{application_id}/edit", data=data).status_code == 302
    application = the_application(world)
    # Back under the review of the one who asked, who is told; nobody has to take it again.
    assert (application.status, application.address, application.reviewer_id) == \
        ("under_review", "柳荫街12号院1号楼底商", world["council"].id)
    with in_community(world):
        told = [e for e in db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "application.received"))
                .scalars() if e.payload.get("resubmitted")]
        assert len(told) == 1
    assert "由您审核" in council.get(f"/c/{SLUG}/home/council").get_data(as_text=True)
    assert council.post(f"{detail}/take").status_code in (302, 409)
    assert the_application(world).reviewer_id == world["council"].id
    _to_ballot(world, application_id)
    with in_community(world):
        _close(application_id, "approved", yes=5, no=1)
        _close(application_id, "approved", yes=5, no=1)  # told twice: admitted once
        db.session.commit()
    application = the_application(world)
    assert application.status == "admitted" and application.decided_at is not None
    with in_community(world):
        unit = units.get_unit(application.unit_id)
        assert (unit.name, unit.status, unit.joined_on, unit.contact_phone) == \
            ("蓝山便利店", "active", date(2026, 12, 1), "13800138000")
        assert unit.is_represented_by(application.applicant_id)
        assert db.session.execute(select(func.count(Unit.id))).scalar_one() == 1
        steps = [c.to_status for c in services.history_of(application)]
        assert steps == ["submitted", "under_review", "info_requested", "resubmitted", "under_review", "ballot",
                         "admitted"]
        welcome = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "application.decided")) \
            .scalar_one()
        assert welcome.payload["outcome"] == "admitted" and welcome.payload["login"] == "13800138000"
    drain()
    # The contact logs in with the mobile and lands on the unit's desk.
    rep = browser_for(app, "13800138000", NEW_PASSWORD)
    home = rep.client.get(f"/c/{SLUG}/", follow_redirects=True)
    assert home.status_code == 200 and "蓝山便利店" in home.get_data(as_text=True)
    inbox = rep.client.get("/api/v1/me/notifications").get_json()["items"]
    assert any("蓝山便利店" in item["title"] for item in inbox)
    # Decided: no more changes (409), on the page and the API.
    api = app.test_client()
    token = api.post("/api/v1/auth/tokens", json={"email": "13800138000", "password": NEW_PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    response = api.post(f"{API}/{application_id}/resubmit", json={"address": "改"}, headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "decided"
    assert api.post(f"{API}/{application_id}/withdraw", headers=headers).status_code == 409
    assert the_application(world).address == "柳荫街12号院1号楼底商"


@pytest.mark.parametrize("outcome,veto_action,status,says", [
    ("rejected", "return", "rejected", "未通过"),
    ("no_quorum", "return", "rejected", "参与投票的人数不足"),
    ("vetoed", "return", "under_review", None),
    ("vetoed", "reject", "rejected", "否决"),
])
def test_what_the_vote_decides(app, world, outcome, veto_action, status, says):
    with in_community(world):
        services.save_rules({"veto_action": veto_action}, actor_id=world["staff"].id)
        application = services.apply(loaded(), user=None)
        services.take(application, actor_id=world["council"].id)
        db.session.commit()
        application_id = application.id
    _to_ballot(world, application_id)
    with in_community(world):
        _close(application_id, outcome, vetoes=[{"reason": "该店曾多次违规经营"}, {"reason": "利用协会谋私"}])
        db.session.commit()
        application = services.get_application(application_id)
        assert application.status == status
        assert application.unit_id is None
        if says:
            assert says in application.decision_reason
    if outcome == "vetoed":
        council = browser_for(app, world["council"])
        page = council.get(f"/c/{SLUG}/applications/{application_id}").get_data(as_text=True)
        assert "该店曾多次违规经营" in page and "利用协会谋私" in page


def test_the_council_rejects_with_a_reason_the_applicant_reads(app, world, drain):
    client = app.test_client()
    assert apply_page(client).status_code == 302
    application_id = the_application(world).id
    council = browser_for(app, world["council"])
    detail = f"/c/{SLUG}/applications/{application_id}"
    response = council.post(f"{detail}/reject", data={"reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    assert council.post(f"{detail}/reject", data={"reason": "经营范围与协会宗旨不符"}).status_code == 302
    assert the_application(world).status == "rejected"
    page = client.get(f"{JOIN}/mine/{application_id}").get_data(as_text=True)
    assert "经营范围与协会宗旨不符" in page
    # A decided application takes no more steps: the button is flashed a refusal, nothing changes.
    assert council.post(f"{detail}/take").status_code == 302
    assert the_application(world).status == "rejected"


def test_the_applicant_withdraws_before_the_vote_but_not_during_it(app, world):
    client = app.test_client()
    assert apply_page(client).status_code == 302
    application_id = the_application(world).id
    browser = Browser(client)
    browser.get(f"{JOIN}/mine/{application_id}")
    assert browser.post(f"{JOIN}/mine/{application_id}/withdraw").status_code == 302
    assert the_application(world).status == "withdrawn"
    # Withdrawn, the phone and the code are free to apply again.
    assert apply_page(client).status_code == 302
    second = app.test_client()
    with in_community(world):
        ids = sorted(db.session.execute(select(UnitApplication.id)).scalars())
    _to_ballot(world, ids[-1])
    api = second.post("/api/v1/auth/tokens", json={"email": "13800138000", "password": NEW_PASSWORD}).get_json()
    response = second.post(f"{API}/{ids[-1]}/withdraw", headers={"Authorization": f"Bearer {api['token']}"})
    assert response.status_code == 409


def test_another_applicant_or_community_sees_no_application(app, world):
    assert apply_page(app.test_client()).status_code == 302
    application_id = the_application(world).id
    stranger = browser_for(app, member(CommunityFactory(slug="far"), "resident"))
    assert stranger.client.get(f"{JOIN}/mine/{application_id}").status_code == 404
    assert stranger.client.get(f"{JOIN}/mine/{application_id}/edit").status_code == 404
    assert stranger.client.get(f"/c/far/join/mine/{application_id}").status_code == 404
    assert app.test_client().get(f"{JOIN}/mine/{application_id}").status_code == 404
    # A resident of the community is no reviewer.
    resident = browser_for(app, member(world["community"], "resident"))
    assert resident.client.get(f"/c/{SLUG}/applications/{application_id}").status_code == 403


def test_representing_the_same_unit_is_a_conflict_of_interest(world):
    with in_community(world):
        same = units.create_unit({"name": "蓝山便利店", "type": "shop", "address": "旧址"})
        units.add_representative(same, world["rep"].id)
        application = UnitApplication(unit_name="蓝山便利店", unit_type="shop", credit_code=CODE2, address="新址",
                                      contact_name="刘芳", contact_mobile="13800138000",
                                      consent_at=services.clock.utcnow(), applicant_id=world["council"].id)
        db.session.add(application)
        db.session.flush()
        excluded = services.conflicted_members(application)
        assert set(excluded) == {world["council"].id, world["rep"].id}
        assert all(reason == "代表申请单位" for reason in excluded.values())
        db.session.rollback()


# --- the council's pages, the today page, the digest ------------------------------------------------

def test_waiting_applications_show_on_the_today_page_the_council_home_and_the_digest(app, world, count_sql, drain):
    for i in range(3):
        with in_community(world):
            services.apply(loaded(unit_name=f"店{i}", credit_code=_code(i), contact_mobile=f"1390000000{i}"), user=None)
            db.session.commit()
    staff = browser_for(app, world["staff"])
    today = staff.client.get(f"/c/{SLUG}/today").get_data(as_text=True)
    assert "等待审核的入会申请" in today and "店0" in today
    council = browser_for(app, world["council"])
    home = council.client.get(f"/c/{SLUG}/home/council").get_data(as_text=True)
    assert "店2" in home
    with in_community(world):
        from app.sections import digest_counts

        assert digest_counts()["applications_waiting"] == 3
    # The list costs the same with more applications.
    drain()
    with count_sql() as few:
        assert council.client.get(f"/c/{SLUG}/applications/").status_code == 200
    for i in range(3, 8):
        with in_community(world):
            services.apply(loaded(unit_name=f"店{i}", credit_code=_code(i), contact_mobile=f"1390000000{i}"), user=None)
            db.session.commit()
    drain()
    with count_sql() as more:
        assert council.client.get(f"/c/{SLUG}/applications/").status_code == 200
    assert more() == few(), (few.statements, more.statements)


def _code(i: int) -> str:
    from app.core.fields import credit_code_check

    first = f"9111000060003{i:04d}"
    return first + credit_code_check(first)


def test_the_admin_sets_the_admission_rules(app, world):
    admin = browser_for(app, world["staff"])
    page = admin.get(f"/c/{SLUG}/applications/rules")
    assert page.status_code == 200 and 'value="7"' in page.get_data(as_text=True)
    response = admin.post(f"/c/{SLUG}/applications/rules", data={
        "ballot_days": "10", "quorum_pct": "101", "threshold": "two_thirds", "veto_limit": "2",
        "veto_action": "reject"})
    assert response.status_code == 422 and 'id="quorum_pct-error"' in response.get_data(as_text=True)
    assert admin.post(f"/c/{SLUG}/applications/rules", data={
        "ballot_days": "10", "quorum_pct": "60", "threshold": "two_thirds", "secret": "true", "veto_limit": "2",
        "veto_action": "reject"}).status_code == 302
    with in_community(world):
        rules = services.rules()
        assert (rules.ballot_days, rules.quorum_pct, rules.threshold, rules.secret, rules.veto_limit,
                rules.veto_action) == (10, 60, "two_thirds", True, 2, "reject")
    council = browser_for(app, world["council"])
    assert council.get(f"/c/{SLUG}/applications/rules").status_code == 403


# --- the API ----------------------------------------------------------------------------------------

def test_the_api_applies_lists_and_reviews(app, world):
    public = app.test_client()
    response = public.post(API, json=body(contact_mobile="+86 139 0000 0001"))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["contact_mobile"] == "13900000001" and created["status"] == "submitted"
    bad = public.post(API, json=body(credit_code="91350100m000100y4", contact_mobile="139000000", consent=False))
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert {"credit_code", "contact_mobile", "consent"} <= set(fields)
    duplicate = public.post(API, json=body(contact_mobile="13900000002"))
    assert duplicate.status_code == 422 and "credit_code" in duplicate.get_json()["error"]["fields"]
    headers = token_for(app.test_client(), world["council"])
    listed = public.get(f"{API}?status=waiting", headers=headers).get_json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert public.post(f"{API}/{created['id']}/take", headers=headers).get_json()["status"] == "under_review"
    assert public.post(f"{API}/{created['id']}/take", headers=headers).status_code == 409
    asked = public.post(f"{API}/{created['id']}/ask", json={"message": "补充材料"}, headers=headers)
    assert asked.get_json()["status"] == "info_requested"
    # The applicant, not a member, reads and completes their own through the API.
    token = public.post("/api/v1/auth/tokens", json={"email": "13900000001", "password": NEW_PASSWORD}).get_json()
    mine = {"Authorization": f"Bearer {token['token']}"}
    assert public.get(f"{API}/{created['id']}", headers=mine).status_code == 200
    assert public.get(API, headers=mine).status_code == 404  # not a member: the list is not theirs
    done = public.post(f"{API}/{created['id']}/resubmit", json={"needs": "需要场地"}, headers=mine)
    assert done.status_code == 200 and done.get_json()["status"] == "under_review"  # back to its reviewer
    rejected = public.post(f"{API}/{created['id']}/reject", json={"reason": "不符合条件"}, headers=headers)
    assert rejected.get_json()["status"] == "rejected"
    assert public.put(f"{API}/rules", json={"ballot_days": 7, "quorum_pct": 120, "threshold": "majority",
                                            "secret": False, "veto_limit": 3, "veto_action": "return"},
                      headers=token_for(app.test_client(), world["staff"])).status_code == 422
    spec = public.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/c/{slug}/applications/{application_id}/resubmit" in spec["paths"]


# --- with the ballot engine -------------------------------------------------------------------------

def test_the_council_opens_the_vote_the_electorate_decides_and_the_unit_is_admitted(app, world, drain):
    from app.ballots import services as ballots

    with in_community(world):
        services.save_rules({"ballot_days": 5, "quorum_pct": 50, "threshold": "two_thirds", "veto_limit": 2},
                            actor_id=world["staff"].id)
        db.session.commit()
    assert apply_page(app.test_client()).status_code == 302
    application_id = the_application(world).id
    council = browser_for(app, world["council"])
    detail = f"/c/{SLUG}/applications/{application_id}"
    assert council.post(f"{detail}/take").status_code == 302
    assert council.post(f"{detail}/ballot").status_code == 302
    application = the_application(world)
    assert application.status == "ballot"
    with in_community(world):
        ballot = ballots.get(application.ballot_id)
        assert (ballot.subject_type, ballot.subject_id, ballot.status) == ("application", application_id, "open")
        assert (ballot.quorum_pct, ballot.threshold, ballot.veto_limit) == (50, "two_thirds", 2)
        assert ballot.owner_ids == [application.applicant_id]
        assert "蓝山便利店" in ballot.title
        for voter in ("council", "rep"):
            ballots.vote(ballot, world[voter].id, ["yes"])
        db.session.commit()
    # The applicant cannot withdraw during the vote.
    browser = browser_for(app, "13800138000", NEW_PASSWORD)
    browser.get(f"{JOIN}/mine/{application_id}")
    assert browser.post(f"{JOIN}/mine/{application_id}/withdraw").status_code == 302
    assert the_application(world).status == "ballot"
    with in_community(world):
        assert ballots.close(ballots.get(application.ballot_id))
        assert not ballots.close(ballots.get(application.ballot_id))  # the job run twice
        db.session.commit()
    application = the_application(world)
    assert application.status == "admitted" and application.ballot_result["outcome"] == "approved"
    with in_community(world):
        assert db.session.execute(select(func.count(Unit.id))).scalar_one() == 1
    drain()
    home = browser.client.get(f"/c/{SLUG}/", follow_redirects=True)
    assert "蓝山便利店" in home.get_data(as_text=True)


def test_representatives_veto_with_reasons_the_council_reads(app, world):
    from app.ballots import services as ballots

    second = member(world["community"], "representative", name="周代表")
    with in_community(world):
        services.save_rules({"veto_limit": 2, "veto_action": "return"}, actor_id=world["staff"].id)
        application = services.apply(loaded(), user=None)
        services.take(application, actor_id=world["council"].id)
        ballot = services.open_ballot(application, actor_id=world["council"].id)
        ballots.veto(ballot, world["rep"].id, "该店曾多次违规经营")
        ballots.veto(ballot, second.id, "利用协会谋私")  # the limit: the vote closes at once
        db.session.commit()
        application_id = application.id
    application = the_application(world)
    assert application.status == "under_review"
    page = browser_for(app, world["council"]).get(f"/c/{SLUG}/applications/{application_id}").get_data(as_text=True)
    assert "该店曾多次违规经营" in page and "利用协会谋私" in page


def test_an_api_caller_with_a_token_applies_with_their_account_and_a_session_alone_does_not(app, world):
    visitor = member(CommunityFactory(slug="afar"), "unit", name="刘芳", phone="13800138000")
    client = app.test_client()
    headers = token_for(client, visitor)
    response = client.post(API, json=body(password=None), headers=headers)
    assert response.status_code == 201 and response.get_json()["applicant_id"] == str(visitor.id)
    # A browser's session cookie is not enough (the endpoint takes no CSRF token): the mobile must log in first.
    browser = browser_for(app, visitor)
    again = browser.client.post(API, json=body(credit_code=CODE2, unit_name="另一家", contact_mobile="13900000011",
                                               contact_email=visitor.email, password=None))
    assert again.status_code == 422
    assert {"contact_email", "password"} <= set(again.get_json()["error"]["fields"])
