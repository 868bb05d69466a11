"""The street office (街道): a viewer compares the street's communities for a year, aggregates only; everyone
else — a viewer of another street, a community's admin, the operator — gets 404 on every street route."""
import io
import json
import re

import pytest
from openpyxl import load_workbook

from app.core.extensions import db
from tests.factories import Browser, UserFactory, token_for
from tests.streets_world import RESIDENT_NAME, make_world, street_part


@pytest.fixture
def world(app):
    with street_part():
        yield make_world()


def _browser(app, user):
    browser = Browser(app.test_client())
    browser.client.set_cookie("huzhu_lang", "zh_CN")
    assert browser.login(user).status_code == 302
    return browser


def _street_routes(app):
    return sorted({(r.rule, m) for r in app.url_map.iter_rules() if r.endpoint.startswith(("streets.", "streets_api."))
                   for m in r.methods - {"HEAD", "OPTIONS"}})


def test_a_viewer_sees_the_streets_communities_side_by_side(app, world):
    browser = _browser(app, world.viewer)
    home = browser.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/s/heping/")  # one street: straight there
    assert 'href="/s/heping/"' in browser.get("/s/").get_data(as_text=True)
    page = browser.get("/s/heping/?year=2026").get_data(as_text=True)
    assert "和平街道" in page and "东园社区" in page and "=1+1" in page
    assert "远方社区" not in page  # another street's community
    assert "Internal" not in page and ">42<" not in page  # a figure not meant for the street
    # Units: 3 and 7, each community's own (the year reaches each part too).
    assert '<td data-label="Units here" class="figure">3 <span class="unit">units</span></td>' in page
    assert '<td data-label="Units here" class="figure">7 <span class="unit">units</span></td>' in page
    # The top bar shows the street to its viewer; the home page lists it.
    assert 'class="main-nav street-nav"' in page and 'href="/s/heping/"' in page


def test_the_viewers_figures_are_read_inside_each_community_even_by_raw_sql(app, world):
    """On PostgreSQL the raw count names no community: only row-level security, following the tenant context
    switched for each community, keeps it to that community's rows."""
    body = _api(app, world.viewer, "/api/v1/s/heping/communities?year=2026")
    figures = {c["name"]: {f["key"]: f for f in c["figures"]} for c in body["items"]}
    assert list(figures) == ["=1+1", "东园社区"]  # by name
    assert figures["东园社区"]["test_units"]["value"] == 3 and figures["=1+1"]["test_units"]["value"] == 7
    assert figures["东园社区"]["test_year"]["value"] == "2026"
    if db.engine.dialect.name == "postgresql":
        assert figures["东园社区"]["test_units_raw"]["value"] == 3 and figures["=1+1"]["test_units_raw"]["value"] == 7
    assert "test_internal" not in figures["东园社区"]


def _api(app, user, url, status=200):
    client = app.test_client()
    response = client.get(url, headers=token_for(client, user))
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_small_sensitive_counts_are_suppressed_and_no_resident_is_named(app, world):
    """2 residents with a disability in 东园社区 (below the threshold of 5): "<5" and no value; 6 in "=1+1": shown."""
    browser = _browser(app, world.viewer)
    page = browser.get("/s/heping/").get_data(as_text=True)
    assert "figure suppressed\">&lt;5</td>" in page and "“&lt;5”" in page  # the cell and the rule under the table
    assert '6 <span class="unit">people</span>' in page
    body = _api(app, world.viewer, "/api/v1/s/heping/communities")
    disabled = {c["name"]: next(f for f in c["figures"] if f["key"] == "test_disabled") for c in body["items"]}
    assert disabled["东园社区"]["value"] is None and disabled["东园社区"]["suppressed"] is True
    assert disabled["=1+1"]["value"] == 6 and disabled["=1+1"]["suppressed"] is False
    sheet = browser.get("/s/heping/export.xlsx")
    everything = page + json.dumps(body, ensure_ascii=False) + json.dumps(_cells(sheet.get_data()), ensure_ascii=False)
    assert RESIDENT_NAME not in everything and "3号楼" not in everything
    # A higher threshold set by the operator suppresses 6 too; 0 is never suppressed.
    world.street.suppress_below = 10
    db.session.commit()
    body = _api(app, world.viewer, "/api/v1/s/heping/communities")
    assert all(next(f for f in c["figures"] if f["key"] == "test_disabled")["suppressed"] for c in body["items"])


def test_zero_is_shown_and_the_threshold_itself_is_shown(app):
    from app.streets.services import street_cell
    from app.yearbook import Figure

    def cell(n):
        return street_cell(Figure("d", "D", n, sensitive=True), 5)

    assert [cell(n).suppressed for n in (0, 1, 4, 5, 50)] == [False, True, True, False, False]
    assert cell(3).shown == "<5" and cell(3).value is None
    assert cell("三人").suppressed  # a sensitive figure that is not a number is never shown
    assert not street_cell(Figure("u", "U", 1), 5).suppressed  # not sensitive: as it is


def _cells(content: bytes) -> list[list]:
    book = load_workbook(io.BytesIO(content))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def test_the_spreadsheet_keeps_a_community_named_like_a_formula_a_text(app, world):
    browser = _browser(app, world.viewer)
    response = browser.get("/s/heping/export.xlsx?year=2026")
    assert response.status_code == 200 and "spreadsheetml" in response.content_type
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet = book.active
    rows = _cells(response.get_data())
    assert rows[0][0] == "和平街道"
    names = {row[0]: row for row in rows[2:] if row and row[0]}
    odd = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "=1+1")
    assert odd.data_type == "s" and odd.quotePrefix  # a text, not a formula
    header = rows[1]
    assert names["东园社区"][header.index("Units here (units)")] == 3
    assert names["东园社区"][header.index("Residents with a disability (people)")] == "<5"


@pytest.mark.parametrize("who", ["other_viewer", "admin", "operator", "nobody"])
def test_everyone_but_the_streets_viewers_gets_404_on_every_street_route(app, world, who):
    user = UserFactory(is_operator=True) if who == "operator" else (
        UserFactory() if who == "nobody" else getattr(world, who))
    browser = _browser(app, user)
    client = app.test_client()
    headers = token_for(client, user)
    checked = 0
    for rule, method in _street_routes(app):
        url = rule.replace("<street_slug>", "heping")
        if url.startswith("/api/"):
            response = client.open(url, method=method, headers=headers)
        else:
            response = browser.client.open(url, method=method)
        if "<street_slug>" not in rule and who == "other_viewer":  # their own streets: theirs only
            assert response.status_code in (200, 302) and "heping" not in response.get_data(as_text=True)
            continue
        assert response.status_code == 404, f"{who}: {method} {url} answered {response.status_code}"
        assert "东园社区" not in response.get_data(as_text=True)
        checked += 1
    assert checked >= 4
    # The API's 404 is the contract's error body.
    body = client.get("/api/v1/s/heping/communities", headers=headers).get_json()
    assert set(body) == {"error"} and body["error"]["code"] == "not_found"


def test_an_unknown_street_and_a_revoked_viewer_get_404_and_a_visitor_logs_in(app, world):
    assert app.test_client().get("/s/heping/").status_code == 302  # log-in first
    assert app.test_client().get("/api/v1/s/heping/communities").status_code == 401
    browser = _browser(app, world.viewer)
    assert browser.get("/s/no-such-street/").status_code == 404
    assert browser.get("/s/%00/").status_code == 404
    from app.streets import services
    grant = services.live_grant(world.street, world.viewer.id)
    services.revoke(grant, revoked_by=world.admin)
    db.session.commit()
    assert browser.get("/s/heping/").status_code == 404
    assert browser.get("/s/").status_code == 404


def test_a_viewer_of_two_streets_chooses_one(app, world):
    from tests.streets_world import grant

    grant(world.other_street, world.viewer)
    browser = _browser(app, world.viewer)
    home = browser.get("/s/").get_data(as_text=True)
    assert 'href="/s/heping/"' in home and 'href="/s/jianshe/"' in home
    assert [s["slug"] for s in _api(app, world.viewer, "/api/v1/s/")["items"]] == ["heping", "jianshe"]
    assert "远方社区" in browser.get("/s/jianshe/").get_data(as_text=True)


def test_a_bad_year_is_a_field_message_not_a_500(app, world):
    browser = _browser(app, world.viewer)
    page = browser.get("/s/heping/?year=abc")
    assert page.status_code == 422 and 'aria-invalid="true"' in page.get_data(as_text=True)
    assert "东园社区" in page.get_data(as_text=True)  # this year's comparison, with the message
    client = app.test_client()
    response = client.get("/api/v1/s/heping/communities?year=1200", headers=token_for(client, world.viewer))
    assert response.status_code == 422 and "year" in response.get_json()["error"]["fields"]


def test_the_street_api_is_in_the_openapi_document(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/s/{street_slug}/communities" in paths and "/api/v1/s/" in paths


def test_the_statements_per_community_stay_the_same_as_the_street_grows(app, count_sql):
    """A community more costs the same statements whatever its size: no query per unit or per resident."""
    from tests.streets_world import CommunityFactory, _fill

    with street_part():
        world = make_world(n_units=(2, 2), disabled=(1, 1))
        client = app.test_client()
        headers = token_for(client, world.viewer)
        url = "/api/v1/s/heping/communities"

        def statements():
            assert client.get(url, headers=headers).status_code == 200
            with count_sql() as n:
                assert client.get(url, headers=headers).status_code == 200
            return n()

        counts = [statements()]
        for i, size in enumerate((20, 60)):
            community = CommunityFactory(slug=f"more{i}", name=f"新社区{i}", street=world.street)
            _fill(community, size, size // 4, world.admin)
            counts.append(statements())
    per_community = [b - a for a, b in zip(counts, counts[1:])]
    assert per_community[0] == per_community[1], counts
    # Each community: one statement for the parts' street loaders together (units, activities, needs, meals), the
    # fund's three and the commendations' one (no street loader: their full parts), one for the report's status and
    # versions, and this test's part's three (no loader either); the tenant settings on PostgreSQL are not counted.
    assert per_community[0] <= 9, counts


def test_a_viewer_who_is_also_a_member_chooses_between_the_street_and_the_community(app, world):
    from tests.streets_world import grant

    grant(world.street, world.admin)  # 东园社区's admin becomes a viewer of the street too
    browser = _browser(app, world.admin)
    home = browser.get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert 'href="/s/heping/"' in text and 'href="/c/dongyuan/"' in text


def test_the_report_status_and_the_submitted_versions_read_only(app, world, clock):
    """东园社区 submitted its report of 2025 twice; "=1+1" never did: missing once the year is over."""
    from app.reports import services as reports
    from tenants.context import tenant_context

    clock(2026, 3, 2, 10)
    with tenant_context(world.east.id):
        reports.submit(2025, actor_id=world.admin.id)
        reports.submit(2025, actor_id=world.admin.id, narrative_text="全年工作总结")
        db.session.commit()
    browser = _browser(app, world.viewer)
    page = browser.get("/s/heping/?year=2025").get_data(as_text=True)
    assert "report-submitted" in page and "report-missing" in page
    links = sorted(set(re.findall(r'href="(/s/heping/reports/dongyuan/2025/\d+)"', page)))
    assert links == ["/s/heping/reports/dongyuan/2025/1", "/s/heping/reports/dongyuan/2025/2"]
    version = browser.get(links[0])
    text = version.get_data(as_text=True)
    assert version.status_code == 200 and "全年工作总结" not in text  # version 1 had no summary: as it was frozen
    assert "东园社区" in text and RESIDENT_NAME not in text
    assert "全年工作总结" in browser.get(links[1]).get_data(as_text=True)
    for missing in ("/s/heping/reports/dongyuan/2025/3", "/s/heping/reports/odd/2025/1",
                    "/s/heping/reports/yuanfang/2025/1", "/s/jianshe/reports/dongyuan/2025/1"):
        assert browser.get(missing).status_code == 404, missing  # no such version; another street's community
    body = _api(app, world.viewer, "/api/v1/s/heping/communities?year=2025")
    reported = {c["name"]: c for c in body["items"]}
    assert reported["东园社区"]["report"]["status"] == "submitted" and reported["东园社区"]["report"]["version"] == 2
    assert [v["number"] for v in reported["东园社区"]["versions"]] == [1, 2]
    assert reported["=1+1"]["report"]["status"] == "missing" and reported["=1+1"]["versions"] == []
    frozen = _api(app, world.viewer, "/api/v1/s/heping/reports/dongyuan/2025/2")
    assert frozen["number"] == 2 and frozen["newer_versions"] == 0 and frozen["parts"]
    assert RESIDENT_NAME not in json.dumps(frozen, ensure_ascii=False)
    _api(app, world.other_viewer, "/api/v1/s/heping/reports/dongyuan/2025/2", status=404)
    sheet = _cells(browser.get("/s/heping/export.xlsx?year=2025").get_data())
    assert sheet[1][-2:] == ["年度报表", "最新版本"]
    assert {row[0]: row[-2:] for row in sheet[2:4]} == {"东园社区": ["已提交", 2], "=1+1": ["缺报", None]}
