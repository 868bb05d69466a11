"""The platform operator and the street offices: a street's web address and threshold, its viewers granted (an
existing account or a new one with a one-time password) and revoked, on the pages and through the API, with the
history kept; nobody else reaches these pages."""
import re

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.streets.models import StreetViewer
from tenants.models import Street
from tests.factories import PASSWORD, Browser, CommunityFactory, UserFactory, token_for

ONE_TIME = re.compile(r"hz-[A-Za-z0-9_-]{8,}")


@pytest.fixture
def operator(app):
    return UserFactory(is_operator=True, name="平台运维")


@pytest.fixture
def street(app):
    made = Street(name="和平街道")
    CommunityFactory(slug="dongyuan", name="东园社区", street=made)
    db.session.commit()
    return made


def _operator_browser(app, operator):
    browser = Browser(app.test_client())
    browser.client.set_cookie("huzhu_lang", "en")
    assert browser.login(operator).status_code == 302
    return browser


def _grants(street_id):
    db.session.expire_all()
    return db.session.execute(select(StreetViewer).where(StreetViewer.street_id == street_id)
                              .order_by(StreetViewer.id)).scalars().all()


def test_a_street_gets_its_slug_from_its_name(app):
    made = [Street(name=n) for n in ("和平街道", "T街道", "和平")]
    db.session.add_all(made)
    db.session.commit()
    assert [s.slug for s in made] == ["heping", "t", "heping-2"]
    assert all(s.suppress_below == 5 for s in made)


def test_the_operator_grants_an_existing_user_and_a_new_one_then_revokes(app, operator, street):
    browser = _operator_browser(app, operator)
    listing = browser.get("/platform/streets/").get_data(as_text=True)
    assert "和平街道" in listing and "/s/heping/" in listing
    assert "东园社区" in browser.get("/platform/streets/heping").get_data(as_text=True)
    existing = UserFactory(name="街道干部", email="jiedao@test.example")
    response = browser.post("/platform/streets/heping/viewers", data={"login": "jiedao@test.example"})
    assert response.status_code == 302
    # A second grant of the same person is refused with a reason; nothing changes.
    again = browser.post("/platform/streets/heping/viewers", data={"login": "jiedao@test.example"})
    assert again.status_code == 422 and "already" in again.get_data(as_text=True)
    # A new person needs a name; then an account is made with a one-time password shown once.
    nameless = browser.post("/platform/streets/heping/viewers", data={"login": "13800001111"})
    assert nameless.status_code == 422 and 'aria-invalid="true"' in nameless.get_data(as_text=True)
    browser.post("/platform/streets/heping/viewers", data={"login": "13800001111", "name": "新干部"})
    page = browser.get("/platform/streets/heping").get_data(as_text=True)
    password = ONE_TIME.search(page).group(0)
    assert "新干部" in page and "街道干部" in page
    grants = _grants(street.id)
    assert [(g.user.name, g.granted_by_id, g.revoked_at) for g in grants] == [
        ("街道干部", operator.id, None), ("新干部", operator.id, None)]
    # The new viewer logs in with it and sees the street.
    viewer = Browser(app.test_client())
    assert viewer.login("13800001111", password).status_code == 302
    assert viewer.get("/s/heping/").status_code == 200
    # Revoked: the row stays as the history, with who and when; the street is 404 at once.
    assert browser.post(f"/platform/streets/heping/viewers/{grants[1].id}/revoke").status_code == 302
    assert viewer.get("/s/heping/").status_code == 404
    revoked = _grants(street.id)[1]
    assert revoked.revoked_at is not None and revoked.revoked_by_id == operator.id
    assert browser.post(f"/platform/streets/heping/viewers/{grants[1].id}/revoke").status_code == 302  # told
    page = browser.get("/platform/streets/heping").get_data(as_text=True)
    assert page.count("Revoke<span") == 1  # only the live grant can be revoked
    # Granted again: a new row; the old one keeps its history.
    browser.post("/platform/streets/heping/viewers", data={"login": "13800001111"})
    assert len(_grants(street.id)) == 3
    assert existing.id in {g.user_id for g in _grants(street.id) if g.revoked_at is None}


def test_the_operator_sets_the_slug_and_the_threshold(app, operator, street):
    browser = _operator_browser(app, operator)
    bad = browser.post("/platform/streets/heping", data={"slug": "Bad Slug!", "suppress_below": "0"})
    assert bad.status_code == 422
    db.session.add(Street(name="建设街道"))
    db.session.commit()
    taken = browser.post("/platform/streets/heping", data={"slug": "jianshe", "suppress_below": "5"})
    assert taken.status_code == 422 and "taken" in taken.get_data(as_text=True)
    ok = browser.post("/platform/streets/heping", data={"slug": "hpjd", "suppress_below": "10"})
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/platform/streets/hpjd")
    db.session.expire_all()
    assert (street.slug, street.suppress_below) == ("hpjd", 10)


def test_the_platform_api_grants_lists_and_revokes(app, operator, street):
    client = app.test_client()
    headers = token_for(client, operator)
    assert [s["slug"] for s in client.get("/api/v1/platform/streets", headers=headers).get_json()["items"]] == [
        "heping"]
    made = client.post("/api/v1/platform/streets/heping/viewers", headers=headers,
                       json={"login": "viewer@test.example", "name": "王干部"})
    assert made.status_code == 201, made.get_data(as_text=True)
    body = made.get_json()
    assert body["name"] == "王干部" and ONE_TIME.match(body["initial_password"]) and body["revoked_at"] is None
    viewer_token = app.test_client().post("/api/v1/auth/tokens", json={"email": "viewer@test.example",
                                                                      "password": body["initial_password"]})
    assert viewer_token.status_code == 201  # a street viewer holds API tokens like anyone with an account
    viewers = "/api/v1/platform/streets/heping/viewers"
    twice = client.post(viewers, headers=headers, json={"login": "viewer@test.example"})
    assert twice.status_code == 409 and twice.get_json()["error"]["code"] == "already_viewer"
    unknown = client.post("/api/v1/platform/streets/heping/viewers", headers=headers, json={"login": "x@test.example"})
    assert unknown.status_code == 422 and "name" in unknown.get_json()["error"]["fields"]
    extra = client.post("/api/v1/platform/streets/heping/viewers", headers=headers, json={"login": "a@b.cn", "x": 1})
    assert extra.status_code == 422
    listed = client.get("/api/v1/platform/streets/heping/viewers", headers=headers).get_json()["items"]
    assert [v["name"] for v in listed] == ["王干部"]
    gone = client.delete(f"/api/v1/platform/streets/heping/viewers/{listed[0]['id']}", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["revoked_by"] == "平台运维"
    assert client.get("/api/v1/platform/streets/heping/viewers", headers=headers).get_json()["items"] == []
    history = client.get("/api/v1/platform/streets/heping/viewers?history=true", headers=headers).get_json()["items"]
    assert [v["revoked_at"] is not None for v in history] == [True]
    patched = client.patch("/api/v1/platform/streets/heping", headers=headers, json={"suppress_below": 3})
    assert patched.status_code == 200 and patched.get_json()["suppress_below"] == 3
    zero = client.patch("/api/v1/platform/streets/heping", headers=headers, json={"suppress_below": 0})
    assert zero.status_code == 422
    assert client.delete("/api/v1/platform/streets/heping/viewers/999999", headers=headers).status_code == 404


def test_nobody_but_the_operator_reaches_the_street_platform_pages(app, street):
    viewer = UserFactory()
    db.session.add(StreetViewer(street_id=street.id, user_id=viewer.id))
    db.session.commit()
    browser = Browser(app.test_client())
    browser.login(viewer, PASSWORD)
    client = app.test_client()
    headers = token_for(client, viewer)
    for url in ("/platform/streets/", "/platform/streets/heping"):
        assert browser.get(url).status_code == 404
    assert browser.post("/platform/streets/heping/viewers", data={"login": "a@b.cn", "name": "x"}).status_code == 404
    for method, url, body in (("GET", "/api/v1/platform/streets", None),
                              ("GET", "/api/v1/platform/streets/heping/viewers", None),
                              ("PATCH", "/api/v1/platform/streets/heping", {"suppress_below": 2}),
                              ("POST", "/api/v1/platform/streets/heping/viewers", {"login": "a@b.cn", "name": "x"})):
        response = client.open(url, method=method, headers=headers, json=body)
        assert response.status_code == 404, (method, url)
    assert len(_grants(street.id)) == 1
