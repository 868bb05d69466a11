"""The contribution record: the good cases and the public works a unit helped with counted per year from the
records, beside the other facts; a fixed number of statements however many units; the unit's page with its year
picker, the council's ranked table (sortable, exported with formulas kept as text) and the API."""
import io
from datetime import date

import pytest

from app.cases import services as cases
from app.contributions import services as contributions
from app.core.extensions import db
from app.publicworks import services as public_works
from app.publicworks.schemas import PublicWorksRequestIn
from app.units import services as units
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, member, page, token_for
from tests.factories import units as bulk_units


def _request(staff_id, title, *, done_on=None, status=None):
    request = public_works.create_request(PublicWorksRequestIn().load({
        "category": "road", "title": title, "department": "区市政局",
        "lines": [{"description": "路面", "measure": "m2", "planned": 10}]}), actor_id=staff_id)
    public_works.move(request, "filed", actor_id=staff_id, on=date(2025, 11, 1))
    if done_on:
        public_works.move(request, "done", actor_id=staff_id, on=done_on)
    elif status:
        public_works.move(request, status, actor_id=staff_id, note="不做了")
    return request


@pytest.fixture
def year(app, clock):
    """柳荫社区 in December 2026: 京华物业 helped with three requests (done in 2026, done in 2025, still with the
    department) and is named in published, draft and withdrawn good cases of 2026 and 2025."""
    clock(2026, 12, 10, 10)
    community = CommunityFactory(slug="liuyin", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    council = member(community, "council", name="赵理事")
    rep = member(community, "unit", name="京华物业代表")
    other_rep = member(community, "unit", name="小学代表")
    with tenant_context(community.id):
        prop = units.create_unit({"name": "京华物业", "type": "property_company"})
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        formula = units.create_unit({"name": "=HYPERLINK(\"http://x\")", "type": "shop"})
        units.add_representative(prop, rep.id)
        units.add_representative(school, other_rep.id)
        db.session.flush()
        done = _request(staff.id, "清理盲道", done_on=date(2026, 3, 5))
        last_year = _request(staff.id, "疏通下水道", done_on=date(2025, 12, 30))
        open_ = _request(staff.id, "修补路面")
        for request in (done, last_year, open_):
            public_works.add_helper(request, {"unit_id": prop.id, "what": "清理了现场"}, actor_id=staff.id)
        public_works.add_helper(done, {"unit_id": school.id, "what": "借出了工具"}, actor_id=staff.id)
        public_works.add_helper(done, {"unit_id": school.id, "what": "借出了工具和推车"}, actor_id=staff.id)  # again

        def case(title, on, unit_ids, publish=True):
            made = cases.create_case({"title": title, "story": "故事", "happened_on": on, "unit_ids": unit_ids},
                                     actor_id=staff.id)
            if publish:
                cases.publish(made, actor_id=staff.id)
            return made

        case("物业清理盲道", date(2026, 3, 6), [prop.id, school.id])
        case("物业冬季扫雪", date(2026, 1, 20), [prop.id])
        case("还没写完", date(2026, 5, 1), [prop.id], publish=False)
        withdrawn = case("撤下的事例", date(2026, 6, 1), [school.id])
        cases.withdraw(withdrawn, actor_id=staff.id)
        case("去年的事例", date(2025, 8, 1), [prop.id])
        db.session.commit()
        ids = {"prop": prop.id, "school": school.id, "formula": formula.id, "done": done.id}
    return {"community": community, "staff": staff, "council": council, "rep": rep, "other_rep": other_rep, **ids}


def test_cases_and_public_works_count_per_unit_and_year(app, year):
    with tenant_context(year["community"].id):
        now = contributions.record(2026)
        assert (now[year["prop"]].cases, now[year["prop"]].public_works) == (2, 1)
        assert (now[year["school"]].cases, now[year["school"]].public_works) == (1, 1)  # named once per request
        assert year["formula"] not in now  # nothing in the year
        before = contributions.record(2025)
        assert (before[year["prop"]].cases, before[year["prop"]].public_works) == (1, 1)
        assert year["school"] not in before
        asked = contributions.record(2026, [year["formula"], year["prop"]])
        assert set(asked) == {year["formula"], year["prop"]}
        assert asked[year["formula"]].nothing and asked[year["formula"]].cases == 0
        assert contributions.Record.from_dict(asked[year["prop"]].as_dict()) == asked[year["prop"]]


def test_the_record_sends_the_same_statements_however_many_units(app, year, count_sql):
    community = year["community"]
    counts = {}
    for extra in (0, 40):
        ids = bulk_units(community, extra)
        with tenant_context(community.id):
            for unit_id in ids:  # each new unit in a case and a request, so every fact has rows to group
                cases.publish(cases.create_case({"title": "t", "story": "s", "happened_on": date(2026, 2, 1),
                                                 "unit_ids": [unit_id]}, actor_id=None), actor_id=None)
                public_works.add_helper(public_works.get_request(year["done"]), {"unit_id": unit_id},
                                        actor_id=None)
            db.session.commit()
            with count_sql() as n:
                found = contributions.record(2026)
            counts[extra] = n()
            assert len([r for r in found.values() if r.cases]) == 2 + extra
    assert counts[0] == counts[40] == 10, counts  # one GROUP BY per fact (donations to the fund among them)


def test_the_ranked_table_sorts_by_each_fact_and_exports_formulas_as_text(app, year):
    council = browser_for(app, year["council"])
    text = council.get(page("liuyin", "/contributions?year=2026&sort=cases")).get_data(as_text=True)
    assert text.index("京华物业") < text.index("柳荫小学") < text.index("HYPERLINK")
    assert f'href="/c/liuyin/units/{year["prop"]}' in text
    by_name = council.get(page("liuyin", "/contributions?year=2025&sort=public_works")).get_data(as_text=True)
    assert by_name.index("京华物业") < by_name.index("HYPERLINK")
    assert "2025 年贡献记录" in by_name
    response = council.get(page("liuyin", "/contributions.xlsx?year=2026&sort=cases"))
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("排名", "会员单位") and "典型事例" in rows[0]
    assert [row[1] for row in rows[1:]] == ["京华物业", "柳荫小学", "=HYPERLINK(\"http://x\")"]
    cell = sheet.cell(row=4, column=2)
    assert cell.data_type == "s" and cell.quotePrefix  # text, never a formula
    cases_column = rows[0].index("典型事例")
    assert [row[cases_column] for row in rows[1:]] == [2, 1, 0]


def test_who_sees_the_table_and_a_units_record(app, year):
    rep, other = browser_for(app, year["rep"]), browser_for(app, year["other_rep"])
    assert rep.get(page("liuyin", "/contributions")).status_code == 403
    own = rep.get(page("liuyin", f"/units/{year['prop']}?year=2025")).get_data(as_text=True)
    assert "2025 年贡献记录" in own and "协助市政" in own
    theirs = other.get(page("liuyin", f"/units/{year['prop']}")).get_data(as_text=True)
    assert "贡献记录" not in theirs  # another unit's record is its own business
    assert "物业清理盲道" in theirs  # the published cases are public anyway
    staff = browser_for(app, year["staff"])
    assert "2026 年贡献记录" in staff.get(page("liuyin", f"/units/{year['prop']}?year=1999")).get_data(as_text=True)


def test_the_api_answers_every_fact_per_unit(app, client, year):
    headers = token_for(client, year["council"])
    body = client.get("/api/v1/c/liuyin/contributions?year=2026&sort=public_works", headers=headers).get_json()
    first = body["items"][0]
    assert body["year"] == 2026 and body["next_cursor"] is None
    assert {first["unit_name"], body["items"][1]["unit_name"]} == {"京华物业", "柳荫小学"}
    assert {"matches", "meals", "venue_hours", "organised", "cases", "public_works", "average_rating"} <= set(first)
    one = client.get(f"/api/v1/c/liuyin/contributions/{year['prop']}?year=2025", headers=headers).get_json()
    assert (one["cases"], one["public_works"], one["unit_id"]) == (1, 1, str(year["prop"]))
    assert client.get("/api/v1/c/liuyin/contributions?year=1800", headers=headers).status_code == 422
    rep_headers = token_for(client, year["rep"])
    assert client.get("/api/v1/c/liuyin/contributions", headers=rep_headers).status_code == 403
    assert client.get(f"/api/v1/c/liuyin/contributions/{year['prop']}", headers=rep_headers).status_code == 200
    assert client.get(f"/api/v1/c/liuyin/contributions/{year['school']}", headers=rep_headers).status_code == 403


def test_staff_name_the_units_that_helped_on_the_request_page_and_in_the_api(app, client, year):
    staff = browser_for(app, year["staff"])
    url = page("liuyin", f"/public-works/{year['done']}")
    text = staff.get(url).get_data(as_text=True)
    assert "协助的会员单位" in text and "借出了工具和推车" in text
    searched = staff.get(f"{url}?unit_id_q=liu").get_data(as_text=True)
    assert "柳荫小学" in searched
    refused = staff.post(page("liuyin", f"/public-works/{year['done']}/helpers"), data={"unit_id": "abc"})
    assert refused.status_code == 422
    headers = token_for(client, year["staff"])
    api_url = f"/api/v1/c/liuyin/public-works/{year['done']}"
    added = client.post(f"{api_url}/helpers", json={"unit_id": str(year["formula"]), "what": "送水"}, headers=headers)
    assert added.status_code == 201 and added.get_json()["unit_name"].startswith("=HYPERLINK")
    helpers = client.get(api_url, headers=headers).get_json()["helpers"]
    assert [h["what"] for h in helpers] == ["清理了现场", "借出了工具和推车", "送水"]
    assert client.delete(f"{api_url}/helpers/{added.get_json()['id']}", headers=headers).status_code == 204
    assert client.post(f"{api_url}/helpers", json={"unit_id": "999999"}, headers=headers).status_code == 422
    with tenant_context(year["community"].id):
        assert contributions.record(2026, [year["formula"]])[year["formula"]].public_works == 0
