"""What a reviewer found walking the application pages as each role on a phone: the applicant finds their
application from the landing page, the council sees the applications under its review, the vote shows what it
decides on, the join form's mistakes are told beside their fields and listed with links, and one name for the
association."""
import re

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.applications import services
from app.applications.models import UnitApplication
from app.ballots.models import Ballot
from app.core.extensions import db
from app.sections import digest_counts
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, member
from tests.test_applications import CODE, CODE2, NEW_PASSWORD, apply_page, form, loaded

MOBILE = "13900000031"


@pytest.fixture
def world(app, clock):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug="join", name="柳荫社区")
    other = CommunityFactory(slug="other", name="银锭社区")
    council = member(community, "council", name="赵理事")
    second = member(community, "council", name="钱理事")
    member(other, "council", name="孙理事")
    return {"community": community, "other": other, "council": council, "second": second}


def _apply(community, *, user=None, **changes) -> int:
    with tenant_context(community.id):
        application = services.apply(loaded(**changes), user=user)
        db.session.commit()
        return application.id


# --- 1. the applicant's landing page -------------------------------------------------------------------

def test_an_applicant_with_one_application_is_sent_to_it_after_logging_in(app, world):
    _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    applicant = browser_for(app, MOBILE, NEW_PASSWORD)
    landing = applicant.client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/c/join/join/mine")
    mine = applicant.client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "兰姐便民理发店" in mine


def test_the_landing_page_lists_the_applicants_applications_in_every_community(app, world):
    first = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    with tenant_context(world["community"].id):
        user = db.session.get(UnitApplication, first).applicant_id
    second = _apply(world["other"], user=db.session.get(User, user), unit_name="兰姐洗衣店", credit_code=CODE2,
                    contact_mobile=MOBILE)
    # Someone else's, in the same community.
    _apply(world["community"], unit_name="别人的店", credit_code=CODE2, contact_mobile="13900000099")
    applicant = browser_for(app, MOBILE, NEW_PASSWORD)
    response = applicant.client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "我的入会申请" in page
    assert f'href="/c/join/join/mine/{first}"' in page and f'href="/c/other/join/mine/{second}"' in page
    assert "兰姐便民理发店" in page and "兰姐洗衣店" in page and "柳荫社区" in page and "银锭社区" in page
    assert "等待理事会审核" in page  # its status
    assert "别人的店" not in page
    assert "您还没有加入任何社区" not in page


def test_a_user_without_community_or_application_keeps_the_landing_page_as_it_was(app, world):
    from tests.factories import UserFactory

    UserFactory(name="新用户", phone="13900000077")
    db.session.commit()
    page = browser_for(app, "13900000077").client.get("/").get_data(as_text=True)
    assert "您还没有加入任何社区" in page and "我的入会申请" not in page


# --- 2. what waits for the council ------------------------------------------------------------------------

def test_the_council_sees_the_applications_under_review_with_their_reviewer(app, world):
    mine = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    theirs = _apply(world["community"], unit_name="钱家面馆", credit_code=CODE2, contact_mobile="13900000032")
    with tenant_context(world["community"].id):
        services.take(services.get_application(mine), actor_id=world["council"].id)
        services.take(services.get_application(theirs), actor_id=world["second"].id)
        db.session.commit()
        assert digest_counts()["applications_waiting"] == 2
    council = browser_for(app, world["council"])
    home = council.client.get("/c/join/home/council").get_data(as_text=True)
    assert "等待审核的入会申请" in home and "(2)" in home
    assert "兰姐便民理发店" in home and "由您审核" in home
    assert "钱家面馆" in home and "审核人：钱理事" in home
    api = council.client.get("/api/v1/c/join/home").get_json()
    section = next(s for s in api["sections"] if s["name"] == "applications")
    assert section["count"] == 2 and {i["id"] for i in section["items"]} == {str(mine), str(theirs)}
    assert all(isinstance(i["id"], str) for i in section["items"])
    labels = {i["id"]: i["label"] for i in section["items"]}
    assert labels == {str(mine): "由您审核", str(theirs): "审核人：钱理事"}


def test_a_resubmission_goes_back_to_its_reviewer(app, world, drain):
    application_id = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    with tenant_context(world["community"].id):
        application = services.get_application(application_id)
        services.take(application, actor_id=world["council"].id)
        services.ask(application, "请补充营业执照", actor_id=world["council"].id)
        db.session.commit()
        services.resubmit(application, {"address": "柳荫街12号院"}, actor_id=application.applicant_id)
        db.session.commit()
        assert (application.status, application.reviewer_id) == ("under_review", world["council"].id)
        assert services.MOVES["ballot"] == ("under_review",)  # he can open the vote at once
    drain()
    council = browser_for(app, world["council"])
    assert "由您审核" in council.client.get("/c/join/home/council").get_data(as_text=True)
    inbox = council.client.get("/api/v1/me/notifications").get_json()["items"]
    assert any("兰姐便民理发店" in item["title"] for item in inbox)


# --- 3. what the representatives vote on --------------------------------------------------------------

def test_the_ballot_shows_the_application_in_labelled_lines_without_the_code_or_the_mobile(app, world):
    application_id = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE,
                            offers=["meal", "volunteer"], needs="场地", motivation="想为老人免费理发")
    with tenant_context(world["community"].id):
        application = services.get_application(application_id)
        services.take(application, actor_id=world["council"].id)
        ballot = services.open_ballot(application, actor_id=world["council"].id)
        db.session.commit()
        body = db.session.get(Ballot, ballot.id).body
    lines = body.splitlines()
    assert lines[0] == "单位类型：个体门店"
    assert "地址：柳荫街12号" in lines
    assert any(line.startswith("可提供的服务：") and "助餐" in line and "志愿" in line for line in lines)
    assert "需要联合会提供：场地" in lines and "入会理由：想为老人免费理发" in lines
    assert CODE not in body and MOBILE not in body


# --- 4, 5. the join form -------------------------------------------------------------------------------

def test_log_in_is_offered_only_when_the_mobile_has_an_account_beside_its_field(client, world):
    wrong = apply_page(client, form(contact_mobile="1390000")).get_data(as_text=True)
    assert 'id="contact_mobile-error"' in wrong and "先登录，再申请" not in wrong
    member(world["community"], "resident", name="刘芳", phone="13800138000")
    taken = apply_page(client, form(), ip="10.9.0.2").get_data(as_text=True)
    field = taken[taken.index('<label for="contact_mobile"'):taken.index('<label for="contact_email"')]
    assert "先登录，再申请" in field and taken.count("先登录，再申请") == 1


def test_the_form_says_full_name_lists_its_mistakes_with_links_and_hides_the_honeypot(client, world):
    page = client.get("/c/join/join").get_data(as_text=True)
    assert re.search(r'<label for="contact_name">姓名', page)
    wrap = re.search(r'<div class="hp-field"[^>]*>', page).group(0)
    assert 'aria-hidden="true"' in wrap
    assert re.search(r'<input id="website"[^>]*tabindex="-1"[^>]*autocomplete="off"', page)
    wrong = apply_page(client, form(contact_mobile="1390000", unit_name="", consent=None)).get_data(as_text=True)
    summary = wrong[wrong.index('class="error-summary"'):wrong.index("</div>", wrong.index('class="error-summary"'))]
    assert "请修改标出的内容" in summary
    assert 'href="#unit_name"' in summary and 'href="#contact_mobile"' in summary and 'href="#consent"' in summary
    assert "手机号" in summary and "：" in summary


# --- 6. one name --------------------------------------------------------------------------------------

def test_the_association_has_one_name_in_chinese():
    with open("app/translations/zh_CN/LC_MESSAGES/messages.po", encoding="utf-8") as po:
        msgstrs = [line for line in po if line.startswith("msgstr")]
    for wrong in ("互助会", "互助协会"):
        assert not [m for m in msgstrs if wrong in m], wrong
    assert not [m for m in msgstrs if re.search(r"(?<!联合)协会", m)]


# --- 7, 8. the council's actions and the colons ----------------------------------------------------

def test_each_next_step_is_its_own_block_and_chinese_gets_full_width_colons(app, world):
    application_id = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    with tenant_context(world["community"].id):
        application = services.get_application(application_id)
        services.take(application, actor_id=world["council"].id)
        db.session.commit()
    council = browser_for(app, world["council"])
    page = council.client.get(f"/c/join/applications/{application_id}").get_data(as_text=True)
    assert page.count('class="next-action"') == 3
    for heading in ("提交表决", "请申请人补充", "不予通过"):
        assert re.search(rf"<h3[^>]*>{heading}</h3>", page)
    with tenant_context(world["community"].id):
        services.ask(services.get_application(application_id), "请补充", actor_id=world["council"].id)
        db.session.commit()
    applicant = browser_for(app, MOBILE, NEW_PASSWORD)
    edit = applicant.client.get(f"/c/join/join/mine/{application_id}/edit").get_data(as_text=True)
    assert "<h1>补充申请：兰姐便民理发店</h1>" in edit


# --- 9. the ids of the API --------------------------------------------------------------------------

def test_the_applications_api_answers_ids_as_strings(app, world):
    application_id = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    from tests.factories import token_for

    headers = token_for(app.test_client(), world["council"])
    client = app.test_client()
    listed = client.get("/api/v1/c/join/applications", headers=headers).get_json()
    assert listed["items"][0]["id"] == str(application_id)
    one = client.get(f"/api/v1/c/join/applications/{application_id}", headers=headers).get_json()
    assert isinstance(one["id"], str)
    assert isinstance(one["applicant_id"], str)  # the contact's account, made when the unit applied
    for key in ("reviewer_id", "ballot_id", "unit_id"):  # not reviewed, voted or admitted yet: there, and null
        assert key in one and one[key] is None, key


def test_without_a_community_the_database_gives_a_user_their_own_applications_only(app, world):
    """PostgreSQL's own_rows_read policy: outside any community, the signed-in user reads their applications
    (every community's) and nobody else's, even with the app's scoping switched off; writing stays refused."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    from tenants.context import reset_db_user, set_db_user, unscoped

    first = _apply(world["community"], unit_name="兰姐便民理发店", contact_mobile=MOBILE)
    _apply(world["other"], unit_name="别人的店", credit_code=CODE2, contact_mobile="13900000099")
    with tenant_context(world["community"].id):
        applicant = db.session.get(UnitApplication, first).applicant_id
    db.session.commit()
    token = set_db_user(applicant)
    try:
        seen = db.session.execute(select(UnitApplication.id).execution_options(**unscoped())).scalars().all()
        assert seen == [first]
        changed = db.session.execute(update(UnitApplication).values(status="admitted")
                                     .execution_options(**unscoped())).rowcount
        assert changed == 0
        db.session.rollback()
    finally:
        reset_db_user(token)
