"""Every list shows its reader only what they may open, and no personal data their role has no need for.

For each role (admin, coordinator, council, representative, unit, resident) every list page is read as that
member: each link on it must answer 200, and residents' names appear only to those who may see them. The
council follows the community's needs and public works by kind, time and status, never by name; the needs
API says the same as the page.
"""
import json
import re
from datetime import date, timedelta

import pytest

from app.core.extensions import db
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.residents import services as residents
from tenants import clock
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, canteen_lunch, member, token_for

SLUG = "lists"
GRANDMA, GRANDPA = "王秀英", "李建国"  # the resident with an account, and one who phoned in
# (Her meal need's title does not name her: a unit asked to serve it reads its title, app/matching/disclosure.py.)
LISTS = ("/", "/needs/", "/matches", "/residents/", "/meals/", "/meals/missed", "/referrals/", "/public-works/",
         "/announcements/", "/units/", "/offers/", "/members/", "/today", "/notifications/")
ROLES = ("admin", "coordinator", "council", "representative", "unit", "resident")
# Who may read which resident's name somewhere on the lists.
SEES = {"admin": {GRANDMA, GRANDPA}, "coordinator": {GRANDMA, GRANDPA}, "council": set(), "representative": set(),
        "unit": set(), "resident": {GRANDMA}}


@pytest.fixture
def world(app):
    community = CommunityFactory(slug=SLUG, name="列表社区")
    people = {"admin": member(community, "admin", name="赵主任"),
              "coordinator": member(community, "coordinator", name="钱干事"),
              "council": member(community, "council", name="孙理事"),
              "representative": member(community, "representative", name="周代表"),
              "unit": member(community, "unit", name="吴师傅"),
              "resident": member(community, "resident", name=GRANDMA)}
    tz = clock.zone(community.id)
    start = (clock.today() + timedelta(days=2)).isoformat()
    with tenant_context(community.id):
        canteen, lunch = canteen_lunch(people["unit"])
        grandma = residents.create_resident({"name": GRANDMA, "birth_date": date(1940, 3, 2)},
                                            actor_id=people["coordinator"].id, account_id=people["resident"].id)
        grandpa = residents.create_resident({"name": GRANDPA, "birth_date": date(1938, 5, 6)},
                                            actor_id=people["coordinator"].id)
        db.session.flush()
        window = {"window_start": f"{start}T08:00:00", "window_end": f"{start}T18:00:00"}
        made = [
            ({"kind": "meal", "title": "午饭送餐上门", "resident_id": str(grandma.id), "day": start,
              "slot": "lunch"}, people["resident"]),
            ({"kind": "public_works", "title": f"{GRANDPA}家门前路灯不亮", "resident_id": str(grandpa.id), **window},
             people["coordinator"]),
            ({"kind": "other", "title": f"{GRANDPA}想学用手机", "details": f"{GRANDPA}耳背，请大声说话",
              "resident_id": str(grandpa.id), **window}, people["coordinator"]),
            ({"kind": "other", "title": "食堂借用活动室", "unit_id": str(canteen.id), **window}, people["unit"]),
        ]
        ids = [needs.create_need(NeedIn().load(data), actor_id=who.id, tz=tz).id for data, who in made]
        db.session.commit()
        grandma_id, grandpa_id, offer_id = grandma.id, grandpa.id, lunch.id
    client = browser_for(app, people["coordinator"]).client
    staff = token_for(client, people["coordinator"])
    api = f"/api/v1/c/{SLUG}"
    assert client.post(f"{api}/public-works", headers=staff, json={
        "category": "lighting", "title": "更换路灯", "location": "柳荫街3号楼南侧", "need_id": str(ids[1]),
        "lines": [{"description": "路灯更换", "measure": "pieces", "planned": 1}]}).status_code == 201
    assert client.post(f"{api}/meals/plans", headers=staff, json={
        "resident_id": str(grandma_id), "offer_id": str(offer_id), "weekdays": ["mon", "wed"], "slots": ["lunch"],
        "starts_on": start}).status_code == 201
    proposed = client.post(f"{api}/matches", headers=staff, json={"need_id": str(ids[0]), "offer_id": str(offer_id)})
    assert proposed.status_code == 201, proposed.get_json()  # the canteen is asked to serve grandma's lunch
    assert client.post(f"{api}/announcements", headers=staff, json={"title": "停水通知", "body": "周六停水"}
                       ).status_code == 201
    return {"community": community, "people": people, "needs": ids, "grandpa": grandpa_id}


def _links(page: str) -> set[str]:
    return {href for href in re.findall(r'href="(/c/[^"#?]*)', page) if not href.endswith((".xlsx", ".csv"))}


@pytest.mark.parametrize("role", ROLES)
def test_every_link_on_a_list_opens_and_names_show_only_to_who_may_see_them(app, world, role):
    browser = browser_for(app, world["people"][role])
    names_seen, lists_read = set(), 0
    for path in LISTS:
        response = browser.get(f"/c/{SLUG}{path}", follow_redirects=True)  # the root leads on to a role's home
        if response.status_code in (403, 404):
            continue  # the list is not this role's (and its menu does not offer it)
        assert response.status_code == 200, (role, path)
        lists_read += 1
        page = response.get_data(as_text=True)
        names_seen |= {name for name in (GRANDMA, GRANDPA) if name in page}
        for link in sorted(_links(page)):
            opened = browser.get(link, follow_redirects=True)
            assert opened.status_code == 200, f"{role}: {link} on {path} answers {opened.status_code}"
    assert lists_read >= 7
    assert names_seen == SEES[role], role


def test_the_council_sees_the_needs_by_kind_and_status_without_who(app, world):
    browser = browser_for(app, world["people"]["council"])
    page = browser.get(f"/c/{SLUG}/needs/").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\".*?</tr>", page, flags=re.S)
    assert len(rows) == 4  # every need of the community is counted
    assert "/needs/" not in "".join(rows)  # and none is linked: the council may not open them
    assert GRANDPA not in page and "路灯" not in page and "耳背" not in page
    assert "公共设施" in page or "市政" in page  # the kind is there instead

    # A public works request the council follows does not lead to the resident's need either.
    listing = browser.get(f"/c/{SLUG}/public-works/").get_data(as_text=True)
    detail = re.search(rf'href="(/c/{SLUG}/public-works/\d+)"', listing).group(1)
    text = browser.get(detail).get_data(as_text=True)
    assert "/needs/" not in text.replace(f"/c/{SLUG}/needs/\"", "") and GRANDPA not in text


@pytest.mark.parametrize("role", ROLES)
def test_the_needs_api_shows_each_role_what_the_page_shows(app, world, role):
    client = app.test_client()
    headers = token_for(client, world["people"][role])
    items = client.get(f"/api/v1/c/{SLUG}/needs", headers=headers).get_json()["items"]
    for item in items:
        opens = client.get(f"/api/v1/c/{SLUG}/needs/{item['id']}", headers=headers).status_code
        if item["title"] is None:
            assert opens == 403, (role, item)
            assert item["resident_id"] is None and item["unit_id"] is None and item["details"] is None
            assert item["kind"] and item["status"]
        else:
            assert opens == 200, (role, item)
    hidden = [i for i in items if i["title"] is None]
    if role == "council":
        assert len(items) == 4 and len(hidden) == 4
    else:
        assert not hidden, role
        assert len(items) == {"admin": 4, "coordinator": 4, "unit": 1, "resident": 1, "representative": 0}[role]


API_LISTS = ("/announcements", "/deliveries/failed", "/matches", "/meals/missed", "/meals/orders", "/meals/plans",
             "/members", "/needs", "/offers", "/public-works", "/public-works/summary", "/referrals",
             "/residents/audit", "/residents", "/units")


@pytest.mark.parametrize("role", ROLES)
def test_the_list_apis_name_residents_only_to_who_may_see_them(app, world, role):
    client = app.test_client()
    headers = token_for(client, world["people"][role])
    names_seen = set()
    for path in API_LISTS:
        response = client.get(f"/api/v1/c/{SLUG}{path}", headers=headers)
        assert response.status_code in (200, 403), (role, path, response.status_code)
        body = json.dumps(response.get_json(), ensure_ascii=False)
        names_seen |= {name for name in (GRANDMA, GRANDPA) if name in body}
    assert names_seen <= SEES[role], role
    if role in ("admin", "coordinator"):
        assert names_seen == {GRANDMA, GRANDPA}  # the staff's lists do name them (the check can see names)
