"""The good cases API: write a draft, change it, publish and withdraw it, its photos and history; another
community's objects refused; unknown fields and bad links told as fields, a wrong move a 409."""
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.activities import services as activities
from app.core.extensions import db
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, image_bytes, member, token_for


@pytest.fixture
def world(app, clock, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    clock(2026, 11, 30, 10)
    community = CommunityFactory(slug="liuyin")
    staff = member(community, "admin", "coordinator")
    rep = member(community, "unit")
    stranger_rep = member(community, "unit")
    with tenant_context(community.id):
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        units.add_representative(school, rep.id)
        units.create_unit({"name": "别的单位", "type": "shop"})
        hall = activities.propose(actor_id=staff.id, kind="training", title="康复训练班", place="学校礼堂",
                                  starts_at=datetime(2026, 12, 9, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
                                  ends_at=datetime(2026, 12, 9, 11, tzinfo=ZoneInfo("Asia/Shanghai")))
        db.session.commit()
        ids = {"school": school.id, "activity": hall.id}
    other = CommunityFactory(slug="other")
    member(other, "admin")
    with tenant_context(other.id):
        far = units.create_unit({"name": "外社区单位", "type": "shop"})
        db.session.commit()
        ids["far"] = far.id
    return {"staff": staff, "rep": rep, "stranger_rep": stranger_rep, **ids}


BASE = "/api/v1/c/liuyin/cases"


def test_a_case_from_draft_to_published_and_withdrawn(app, client, world):
    headers = token_for(client, world["staff"])
    made = client.post(BASE, json={"title": "学校礼堂借给康复训练", "story": "柳荫小学把礼堂借给康复训练班。",
                                   "happened_on": "2026-11-02", "unit_ids": [str(world["school"])],
                                   "link_type": "activity", "link_id": str(world["activity"])}, headers=headers)
    assert made.status_code == 201, made.get_json()
    case = made.get_json()
    assert case["status"] == "draft" and case["units"] == [{"id": str(world["school"]), "name": "柳荫小学"}]
    assert case["public_url"] is None
    url = f"{BASE}/{case['id']}"
    assert client.patch(url, json={"title": "学校礼堂借给康复训练班"}, headers=headers).get_json()["title"] \
        == "学校礼堂借给康复训练班"
    photos = client.post(f"{url}/photos", data={"photos[]": [(io.BytesIO(image_bytes()), "a.png")],
                                                "alts[]": ["礼堂里的训练"], "consent": "true", "public": "true"},
                         headers=headers, content_type="multipart/form-data")
    assert photos.status_code == 201 and photos.get_json()["items"][0]["public"] is True
    published = client.post(f"{url}/publish", headers=headers).get_json()
    assert published["status"] == "published" and published["published_on"] == "2026-11-30"
    assert published["public_url"] == f"/c/liuyin/cases/{case['id']}"
    story = app.test_client().get(published["public_url"]).get_data(as_text=True)
    assert "康复训练班" in story and "礼堂里的训练" in story
    assert client.post(f"{url}/publish", headers=headers).status_code == 409
    assert client.delete(url, headers=headers).status_code == 409  # published: withdraw instead
    assert client.post(f"{url}/withdraw", json={"note": "改写"}, headers=headers).get_json()["status"] == "withdrawn"
    history = client.get(f"{url}/history", headers=headers).get_json()["items"]
    assert [c["to_status"] for c in history] == ["draft", "published", "withdrawn"] and history[-1]["note"] == "改写"
    listed = client.get(f"{BASE}?status=withdrawn&unit_id={world['school']}", headers=headers).get_json()
    assert [c["id"] for c in listed["items"]] == [case["id"]]


def test_the_named_unit_reads_its_case_others_do_not(app, client, world):
    headers = token_for(client, world["staff"])
    case = client.post(BASE, json={"title": "t", "story": "s", "happened_on": "2026-11-02",
                                   "unit_ids": [str(world["school"])]}, headers=headers).get_json()
    rep = token_for(client, world["rep"])
    assert client.get(f"{BASE}/{case['id']}", headers=rep).status_code == 200
    assert client.patch(f"{BASE}/{case['id']}", json={"title": "x"}, headers=rep).status_code == 403
    assert client.get(BASE, headers=rep).status_code == 403
    assert client.get(f"{BASE}/{case['id']}", headers=token_for(client, world["stranger_rep"])).status_code == 403


def test_bad_input_is_told_by_field(app, client, world):
    headers = token_for(client, world["staff"])
    body = {"title": "t", "story": "s", "happened_on": "2026-11-02", "unit_ids": [str(world["far"])]}
    refused = client.post(BASE, json=body, headers=headers)
    assert refused.status_code == 422 and "unit_ids" in refused.get_json()["error"]["fields"]
    refused = client.post(BASE, json=body | {"unit_ids": [str(world["school"])], "link_type": "match",
                                             "link_id": "123"}, headers=headers)
    assert refused.status_code == 422 and "link_id" in refused.get_json()["error"]["fields"]
    refused = client.post(BASE, json=body | {"unit_ids": [], "owner": "x", "happened_on": "2027-01-01"},
                          headers=headers)
    assert refused.status_code == 422 and {"unit_ids", "owner"} <= set(refused.get_json()["error"]["fields"])
    future = client.post(BASE, json=body | {"unit_ids": [str(world["school"])], "happened_on": "2027-01-01"},
                         headers=headers)
    assert future.status_code == 422 and "happened_on" in future.get_json()["error"]["fields"]
    assert client.get(f"{BASE}/99999", headers=headers).status_code == 404
