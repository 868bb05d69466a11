"""The pickers of residents, units and members: a coordinator finds anyone of a long register by the start of
the name, the pinyin initials (zsf → 张三丰) or the phone's last four digits, with or without JavaScript; what
anyone types is answered with matches or nothing, never a 500; nobody sees what they may not; another
community's people never appear; the number of statements does not grow with the register."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from app.core.extensions import db
from app.core.search import initials, phone_tail, pinyin
from app.residents import services as residents
from app.residents.models import Resident
from app.units import services as unit_services
from app.units.services import sort_key
from tenants import clock
from tenants.context import tenant_context
from tests.factories import CommunityFactory, api, browser_for, canteen_lunch, member, page, token_for

SURNAMES = "艾白陈丁方高黄李刘马钱孙王吴徐杨张赵周"
GIVEN = "一二三四五六七八九十明华"


def bulk_residents(community, n: int, *, start: int = 0) -> None:
    """n residents by Core insert (as a bulk import would), surnames from 艾 to 周, keys computed alongside."""
    rows = []
    for i in range(start, start + n):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[i // len(SURNAMES) % len(GIVEN)] + GIVEN[i // 7 % len(GIVEN)]
        phone = f"139{i:08d}"
        rows.append({"community_id": community.id, "name": name, "name_sort": sort_key(name),
                     "name_initials": initials(name), "name_pinyin": pinyin(name), "phone": phone,
                     "phone_tail": phone_tail(phone),
                     "building": str(i % 20), "entrance": "1", "room": str(100 + i), "address": "柳荫街",
                     "household": "", "diet_notes": "", "account_relation": "self", "status": "active",
                     "birth_date": date(1940 + i % 40, 1 + i % 12, 1), "deletion_requested_at": None})
    with tenant_context(community.id):
        db.session.execute(insert(Resident), rows)
        db.session.commit()


@pytest.fixture
def register(app):
    """Community `pick`: a coordinator, 260 residents and 张三丰 (registered through the service, phone …5678),
    who comes after the 200th in pinyin order; a council member and a unit representative."""
    community = CommunityFactory(slug="pick")
    coordinator = member(community, "coordinator")
    council = member(community, "council")
    rep = member(community, "unit")
    bulk_residents(community, 260)
    with tenant_context(community.id):
        zhang = residents.create_resident({"name": "张三丰", "phone": "13912345678", "building": "7",
                                           "room": "301"}, actor_id=coordinator.id)
        db.session.commit()
        order = [r.id for r in db.session.execute(select(Resident).order_by(Resident.name_sort, Resident.id))
                 .scalars()]
        assert order.index(zhang.id) >= 200, "张三丰 must be past the 200th for the test to mean anything"
        zhang_id = zhang.id
    return {"community": community, "coordinator": coordinator, "council": council, "rep": rep, "zhang": zhang_id}


def labels(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["label"] for item in response.get_json()["items"]]


def test_pinyin_initials_phone_tail_and_name_find_a_resident_past_the_200th(client, register):
    headers = token_for(client, register["coordinator"])
    url = api(register["community"], "/residents/search")
    for q in ("zsf", "ZSF", "zs", "张三", "张三丰", "5678", "56", "zhang san", "zhangsanf", "Zhang San Feng", " zsf "):
        found = labels(client.get(url, query_string={"q": q}, headers=headers))
        assert "张三丰" in found, (q, found)
    answer = client.get(url, query_string={"q": "zsf"}, headers=headers).get_json()
    assert answer["items"][0] == {"id": str(register["zhang"]), "label": "张三丰",
                                  "detail": answer["items"][0]["detail"]}
    assert "7-301" in answer["items"][0]["detail"] and "5678" in answer["items"][0]["detail"]
    # Everyone surnamed 周 (the last of the register in pinyin order) is findable too.
    assert all(name.startswith("周") for name in labels(client.get(url, query_string={"q": "周"}, headers=headers)))
    assert labels(client.get(url, query_string={"q": "周"}, headers=headers))
    # A short search matches many: at most 20 come back, and the answer says there are more.
    many = client.get(url, query_string={"q": "z"}, headers=headers).get_json()
    assert len(many["items"]) == 20 and many["more"] is True
    # Nothing typed, nothing found.
    assert client.get(url, headers=headers).get_json() == {"items": [], "more": False}


def test_the_keys_follow_a_change_of_name_and_phone(client, register):
    headers = token_for(client, register["coordinator"])
    changed = client.patch(api(register["community"], f"/residents/{register['zhang']}"),
                           json={"name": "李四", "phone": "13800004321"}, headers=headers)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    url = api(register["community"], "/residents/search")
    assert "李四" in labels(client.get(url, query_string={"q": "ls"}, headers=headers))
    assert "李四" in labels(client.get(url, query_string={"q": "4321"}, headers=headers))
    assert "张三丰" not in labels(client.get(url, query_string={"q": "zsf"}, headers=headers))


BAD = ["%", "_", "%%", "\\", "'", "\"", "' OR 1=1 --", "a" * 5000, "张" * 300, "\x00", "z\x00s", "🙂", "ｚｓｆ",
       "   ", "\u200b", "%z%", "z_f", "[a-z]", "*", "..", "1234567890123456789012345", "1", "<script>", "Ĳ"]


@pytest.mark.parametrize("path", ["/residents/search", "/units/search", "/members/search"])
def test_any_text_typed_gives_matches_or_nothing_never_everyone_and_never_a_500(client, register, path):
    headers = token_for(client, register["coordinator"])
    for q in BAD:
        response = client.get(api(register["community"], path), query_string={"q": q}, headers=headers)
        assert response.status_code == 200, (q, response.status_code, response.get_data(as_text=True)[:300])
        body = response.get_json()
        assert set(body) == {"items", "more"}
        if q in ("%", "_", "%%", "\\", "*", "%z%", "z_f"):
            assert body["items"] == [], (q, body)  # wildcards are taken literally
    # Bytes that are no UTF-8 at all (a lone surrogate, 0xFF), and the search given twice.
    for raw in ("q=%ED%A0%80%FF%FE", "q=zsf&q=%25"):
        response = client.get(api(register["community"], path) + "?" + raw, headers=headers)
        assert response.status_code in (200, 422), (raw, response.status_code)


def test_who_may_not_see_residents_gets_a_refusal_not_a_list(client, register):
    url = api(register["community"], "/residents/search")
    for who in ("council", "rep"):
        headers = token_for(client, register[who])
        response = client.get(url, query_string={"q": "zsf"}, headers=headers)
        assert response.status_code == 403, (who, response.status_code)
        assert "张三丰" not in response.get_data(as_text=True)
        assert client.get(api(register["community"], "/members/search"), query_string={"q": "a"},
                          headers=headers).status_code == 403
    assert client.get(url, query_string={"q": "zsf"}).status_code == 401
    # The need form of a council member lists nobody of the register.
    council = browser_for(client.application, register["council"])
    assert "张三丰" not in council.get(page(register["community"], "/needs/new?kind=meal&resident_id_q=zsf")) \
        .get_data(as_text=True)


def test_another_communitys_residents_units_and_members_never_appear(client, register):
    other = CommunityFactory(slug="other")
    member(other, "coordinator", name="张三分")
    with tenant_context(other.id):
        residents.create_resident({"name": "张三风", "phone": "13700005678"}, actor_id=None)
        unit_services.create_unit({"name": "张三饭店", "type": "shop"})
        db.session.commit()
    headers = token_for(client, register["coordinator"])
    for path in ("/residents/search", "/units/search", "/members/search"):
        for q in ("zsf", "zs", "张三", "5678", "zhang"):
            text = client.get(api(register["community"], path), query_string={"q": q}, headers=headers) \
                .get_data(as_text=True)
            assert "张三风" not in text and "张三饭店" not in text and "张三分" not in text, (path, q)
    # The other community's search is not reachable from here either.
    assert client.get(api(other, "/residents/search"), query_string={"q": "zs"}, headers=headers).status_code == 404
    staff = browser_for(client.application, register["coordinator"])
    fallback = staff.get(page(register["community"], "/needs/new?kind=meal&resident_id_q=zs")).get_data(as_text=True)
    assert "张三丰" in fallback and "张三风" not in fallback


def radio_value(html: str, name: str, label: str) -> str:
    match = re.search(rf'<input type="radio" name="{name}" value="(\d+)" data-label="{label}"', html)
    assert match, f"no choice {label} for {name}"
    return match.group(1)


def test_without_javascript_the_search_comes_back_with_the_matches_and_the_form_as_typed(app, register):
    with tenant_context(register["community"].id):
        canteen_lunch(register["rep"])
        db.session.commit()
        day = (clock.today() + timedelta(days=7)).isoformat()
    staff = browser_for(app, register["coordinator"])
    url = page(register["community"], "/needs/new")
    # The Search button sends the form with GET: the page comes back with 张三丰 to choose and what was typed.
    html = staff.get(url, query_string={"kind": "meal", "title": "午饭送到家", "resident_id_q": "zsf",
                                        "day": day, "slot": "lunch"}).get_data(as_text=True)
    assert radio_value(html, "resident_id", "张三丰") == str(register["zhang"])
    assert 'value="午饭送到家"' in html and 'value="zsf"' in html and f'value="{day}"' in html
    assert 'formmethod="get"' in html  # the Search button
    # The form's CSRF token, sent along by the GET, is taken out of the address at once.
    sent = staff.get(url, query_string={"csrf_token": staff.csrf, "kind": "meal", "resident_id_q": "张三"})
    assert sent.status_code == 302 and "csrf_token" not in sent.headers["Location"]
    assert "resident_id_q=%E5%BC%A0%E4%B8%89" in sent.headers["Location"] and "kind=meal" in sent.headers["Location"]
    # A search typed but nobody chosen is not registered: the form asks to choose, listing the matches.
    unchosen = staff.post(url, data={"kind": "meal", "title": "午饭送到家", "resident_id_q": "zsf",
                                     "resident_id": "", "unit_id": "", "day": day, "slot": "lunch",
                                     "quantity": "1", "urgency": "normal"})
    assert unchosen.status_code == 422
    text = unchosen.get_data(as_text=True)
    assert 'id="resident_id-error"' in text and radio_value(text, "resident_id", "张三丰")
    chosen = staff.post(url, data={"kind": "meal", "title": "午饭送到家", "resident_id_q": "zsf",
                                   "resident_id": str(register["zhang"]), "unit_id": "", "day": day,
                                   "slot": "lunch", "quantity": "1", "urgency": "normal"})
    assert chosen.status_code == 302, chosen.get_data(as_text=True)
    need = staff.get(chosen.headers["Location"]).get_data(as_text=True)
    assert "张三丰" in need
    # Nothing found says so.
    none = staff.get(url, query_string={"kind": "meal", "resident_id_q": "qqqqq"}).get_data(as_text=True)
    assert "qqqqq" in none and 'name="resident_id" value="' in none  # only "nobody" is offered


def test_the_meal_plan_and_the_unit_representative_pickers_search_without_javascript(app, register):
    with tenant_context(register["community"].id):
        canteen_lunch(register["rep"])
        db.session.commit()
    staff = browser_for(app, register["coordinator"])
    plan = staff.get(page(register["community"], "/meals/plans/new"),
                     query_string={"resident_id_q": "5678", "weekdays": ["mon", "wed"], "slots": "lunch"})
    html = plan.get_data(as_text=True)
    assert radio_value(html, "resident_id", "张三丰") == str(register["zhang"])
    assert re.search(r'value="wed"\s+checked', html) and not re.search(r'value="tue"\s+checked', html)
    admin = member(register["community"], "admin")
    member(register["community"], "resident", name="周芷若", phone="13655550123", email=None)
    with tenant_context(register["community"].id):
        unit = unit_services.create_unit({"name": "柳荫小学", "type": "school"})
        db.session.commit()
        unit_id = unit.id
    office = browser_for(app, admin)
    detail = office.get(page(register["community"], f"/units/{unit_id}"), query_string={"user_id_q": "zzr"})
    person = radio_value(detail.get_data(as_text=True), "user_id", "周芷若")
    added = office.post(page(register["community"], f"/units/{unit_id}/representatives"), data={"user_id": person})
    assert added.status_code == 302
    assert "周芷若" in office.get(page(register["community"], f"/units/{unit_id}")).get_data(as_text=True)
    headers = token_for(app.test_client(), admin)
    found = app.test_client().get(api(register["community"], "/members/search"), query_string={"q": "0123"},
                                  headers=headers).get_json()["items"]
    assert [m["label"] for m in found] == ["周芷若"]
    units_found = app.test_client().get(api(register["community"], "/units/search"), query_string={"q": "lyxx"},
                                        headers=headers).get_json()["items"]
    assert [u["label"] for u in units_found] == ["柳荫小学"]


def test_the_need_form_asks_the_kind_first_and_shows_only_that_kinds_fields(app, register):
    staff = browser_for(app, register["coordinator"])
    url = page(register["community"], "/needs/new")
    first = staff.get(url).get_data(as_text=True)
    assert 'name="kind" value="meal"' in first and 'name="title"' not in first  # the kind, nothing else yet
    meal = staff.get(url, query_string={"kind": "meal"}).get_data(as_text=True)
    enabled = set(re.findall(r'<(?:input|select)[^>]*name="(\w+)"(?![^>]*disabled)[^>]*>', meal))
    assert {"day", "slot", "title"} <= enabled and not {"window_start", "window_end"} & enabled
    legal = staff.get(url, query_string={"kind": "legal"}).get_data(as_text=True)
    enabled = set(re.findall(r'<(?:input|select)[^>]*name="(\w+)"(?![^>]*disabled)[^>]*>', legal))
    assert {"window_start", "window_end", "title"} <= enabled and not {"day", "slot"} & enabled
    assert re.search(r'<option value="legal"\s+selected', legal)
    # An unknown kind in the link asks for the kind.
    assert 'name="title"' not in staff.get(url, query_string={"kind": "bogus"}).get_data(as_text=True)


def test_the_search_sends_as_many_statements_for_300_residents_as_for_10(app, count_sql, client):
    counts = {}
    for size in (10, 300):
        community = CommunityFactory()
        coordinator = member(community, "coordinator")
        bulk_residents(community, size)
        headers = token_for(client, coordinator)
        url = api(community, "/residents/search")
        assert client.get(url, query_string={"q": "a"}, headers=headers).status_code == 200
        with count_sql() as n:
            answer = client.get(url, query_string={"q": "a"}, headers=headers)  # 艾…
        assert answer.status_code == 200 and answer.get_json()["items"]
        counts[size] = n()
    assert counts[10] == counts[300], counts
    assert counts[300] <= 3, counts


def test_the_migration_fills_the_keys_of_the_rows_already_there(app, register):
    """Residents registered before the search keys existed get them from the migration's backfill."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    with tenant_context(register["community"].id):
        db.session.execute(text("UPDATE residents SET name_initials = '', name_pinyin = '', phone_tail = ''"))
        db.session.commit()
    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "0010_search_keys.py"
    spec = importlib.util.spec_from_file_location("search_keys_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    owner = create_engine(app.config["DATABASE_OWNER_URL"] or app.config["SQLALCHEMY_DATABASE_URI"],
                          poolclass=NullPool)
    with owner.connect() as conn:
        with Operations.context(MigrationContext.configure(conn)):
            migration._backfill("residents")
        conn.commit()
        if conn.dialect.name == "postgresql":  # the policy holds the owner again afterwards
            forced = conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'residents'"))
            assert forced.scalar_one() is True
    owner.dispose()
    with tenant_context(register["community"].id):
        zhang = db.session.get(Resident, register["zhang"])
        db.session.refresh(zhang)
        assert (zhang.name_initials, zhang.name_pinyin, zhang.phone_tail) == ("zsf", "zhangsanfeng", "5678")
        db.session.rollback()
