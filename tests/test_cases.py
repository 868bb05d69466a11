"""Good cases (典型事例): the staff write a story naming units and the match behind it, add photos, publish it; the
public story page shows it with its public photos and never the resident; drafts and withdrawn cases are not
found; a link to another community's object is refused; the named units' representatives hear of it."""
import io
import re
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.cases import services as cases
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.matching import services as matching
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import InboxEntry
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, docking_world, image_bytes, member, page

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(app, clock, tmp_path):
    """The docking world: 京华物业食堂 serves 王秀英 a lunch (a match), which the staff write up as a good case."""
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 30, 10)
    made = docking_world(grandma=False)
    with tenant_context(made["community"].id):
        need = needs.create_need(NeedIn().load({
            "kind": "meal", "title": "王秀英的午饭", "resident_id": str(made["resident"]), "day": "2026-12-01",
            "slot": "lunch", "details": "住幸福里3号楼502"}), actor_id=made["coordinator"].id, tz=TZ)
        match = matching.propose(need, made["offer"], actor_id=made["coordinator"].id)
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        db.session.commit()
        made.update(match=match.id, school=school.id)
    return made


def _case(world, **extra):
    data = {"title": "食堂为残疾老人送热饭", "story": "京华物业食堂每天中午为行动不便的老人送去热饭。\n坚持了一整年。",
            "happened_on": date(2026, 11, 20), "unit_ids": [world["canteen"]], "link_type": "match",
            "link_id": world["match"], **extra}
    return cases.create_case(data, actor_id=world["coordinator"].id)


def test_a_published_case_shows_on_its_public_page_with_its_public_photos_and_no_resident(app, world):
    staff = browser_for(app, world["coordinator"])
    with tenant_context(world["community"].id):
        case_id = _case(world).id
        db.session.commit()
    url = page("dock", f"/cases/{case_id}")
    assert app.test_client().get(url).status_code == 404  # a draft: not found for anyone
    added = staff.post(page("dock", f"/cases/{case_id}/photos"), data={
        "photo-0": (io.BytesIO(image_bytes()), "a.png"), "alt-0": "厨师把饭盒递给老人",
        "photo-1": (io.BytesIO(image_bytes(color=(0, 90, 200))), "b.png"), "alt-1": "厨房内部",
        "consent": "y"}, content_type="multipart/form-data")
    assert added.status_code == 302, added.get_data(as_text=True)
    with tenant_context(world["community"].id):
        first, second = (photo.id for photo in cases.photos_of(cases.get_case(case_id)))
    # Only the first is made public.
    assert staff.post(page("dock", f"/cases/{case_id}/photos/{first}/public"), data={"public": "y"}).status_code \
        == 302
    assert staff.post(page("dock", f"/cases/{case_id}/publish")).status_code == 302

    visitor = app.test_client()
    response = visitor.get(url)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "食堂为残疾老人送热饭" in text and "坚持了一整年" in text and "京华物业食堂" in text
    assert "助餐" in text  # the kind of help behind the case
    for private in ("王秀英", "幸福里", "王秀英的午饭", "502"):
        assert private not in text
    assert "厨师把饭盒递给老人" in text and "厨房内部" not in text
    assert visitor.get(f"/c/dock/photos/{first}").status_code == 200
    assert visitor.get(f"/c/dock/photos/{second}").status_code == 404  # not public

    # The staff's page shows who published it and when; withdrawn, it is gone again (its photo too).
    manage = staff.get(page("dock", f"/cases/{case_id}/manage")).get_data(as_text=True)
    assert "已发布" in manage
    assert staff.post(page("dock", f"/cases/{case_id}/withdraw"), data={"note": "重写"}).status_code == 302
    assert visitor.get(url).status_code == 404
    assert visitor.get(f"/c/dock/photos/{first}").status_code == 404
    with tenant_context(world["community"].id):
        case = cases.get_case(case_id)
        assert [c.to_status for c in cases.history_of(case)] == ["draft", "published", "withdrawn"]
        assert case.published_by_id == world["coordinator"].id and case.published_on == date(2026, 11, 30)


def test_publishing_tells_the_named_units_representatives(app, world, drain):
    with tenant_context(world["community"].id):
        case = _case(world)
        cases.publish(case, actor_id=world["coordinator"].id)
        db.session.commit()
        case_id = case.id
    drain()
    with tenant_context(world["community"].id):
        told = db.session.execute(select(InboxEntry.user_id, InboxEntry.title, InboxEntry.link)
                                  .where(InboxEntry.link.like("%/cases/%"))).all()
    assert [(user_id, link) for user_id, _title, link in told] == [(world["cook"].id, f"/cases/{case_id}")]
    assert "食堂为残疾老人送热饭" in told[0][1]


def test_a_link_must_exist_in_this_community_and_units_must_be_named(app, world):
    other = CommunityFactory(slug="other")
    admin = member(other, "admin", "coordinator")
    with tenant_context(other.id):
        stranger = units.create_unit({"name": "外社区单位", "type": "shop"}).id
        db.session.commit()
    with tenant_context(world["community"].id):
        with pytest.raises(ValidationFailed) as refused:
            _case(world, link_id=world["match"] + 999)
        assert "link_id" in refused.value.fields
        with pytest.raises(ValidationFailed) as refused:
            _case(world, unit_ids=[stranger])
        assert "unit_ids" in refused.value.fields
        with pytest.raises(ValidationFailed) as refused:
            _case(world, unit_ids=[], link_type="activity", link_id=world["match"])
        assert set(refused.value.fields) == {"unit_ids", "link_id"}  # every problem at once
        db.session.rollback()
    with tenant_context(other.id):  # B's staff cannot point at A's match or A's unit
        with pytest.raises(ValidationFailed) as refused:
            cases.create_case({"title": "t", "story": "s", "happened_on": date(2026, 1, 1),
                               "unit_ids": [stranger], "link_type": "match", "link_id": world["match"]},
                              actor_id=admin.id)
        assert "link_id" in refused.value.fields
        db.session.rollback()


def test_moves_are_checked_and_only_a_draft_is_deleted(app, world):
    with tenant_context(world["community"].id):
        case = _case(world)
        with pytest.raises(Conflict):
            cases.withdraw(case, actor_id=None)
        cases.publish(case, actor_id=None)
        with pytest.raises(Conflict):
            cases.publish(case, actor_id=None)
        with pytest.raises(Conflict):
            cases.delete_case(case)
        cases.withdraw(case, actor_id=None)
        cases.publish(case, actor_id=None)  # published again
        assert case.status == "published"
        db.session.rollback()


def test_the_form_ticks_units_and_says_every_mistake(app, world):
    staff = browser_for(app, world["coordinator"])
    form = staff.get(page("dock", f"/cases/new?unit_add={world['school']}")).get_data(as_text=True)
    assert "柳荫小学" in form and 'name="unit_ids"' in form
    refused = staff.post(page("dock", "/cases/new"), data={"title": "", "story": "", "happened_on": "2027-05-01",
                                                           "link_type": "match", "link_id": "999999"})
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    invalid = set(re.findall(r'<(?:input|textarea)[^>]*id="([a-z_]+)"[^>]*aria-invalid="true"', body))
    assert {"title", "story"} <= invalid and "此项为必填项。" in body  # the blank title and story, by their fields
    saved = staff.post(page("dock", "/cases/new"), data={
        "title": "学校礼堂借给康复训练", "story": "柳荫小学把礼堂借出。", "happened_on": "2026-10-12",
        "unit_ids": [str(world["school"]), str(world["canteen"])]})
    assert saved.status_code == 302
    case_id = int(re.search(r"/cases/(\d+)/manage", saved.headers["Location"]).group(1))
    listed = staff.get(page("dock", "/cases/")).get_data(as_text=True)
    assert "学校礼堂借给康复训练" in listed and "草稿" in listed
    edited = staff.post(page("dock", f"/cases/{case_id}/edit"), data={
        "title": "学校礼堂借给康复训练班", "story": "柳荫小学把礼堂借出。", "happened_on": "2026-10-12",
        "unit_ids": [str(world["school"])]})
    assert edited.status_code == 302
    with tenant_context(world["community"].id):
        assert cases.get_case(case_id).unit_ids == [world["school"]]


def test_the_unit_page_lists_the_published_cases_naming_it(app, world):
    with tenant_context(world["community"].id):
        shown = _case(world)
        cases.publish(shown, actor_id=None)
        _case(world, title="还没发布的草稿")
        db.session.commit()
    cook = browser_for(app, world["cook"])
    text = cook.get(page("dock", f"/units/{world['canteen']}")).get_data(as_text=True)
    assert "食堂为残疾老人送热饭" in text and "还没发布的草稿" not in text
    with tenant_context(world["community"].id):
        assert [c.id for c in cases.published(unit_id=world["canteen"], year=2026)] == [shown.id]
        assert cases.published(unit_id=world["school"]) == [] and cases.published(year=2025) == []


def test_only_staff_write_cases(app, world):
    cook = browser_for(app, world["cook"])
    assert cook.get(page("dock", "/cases/")).status_code == 403
    assert cook.get(page("dock", "/cases/new")).status_code == 403
