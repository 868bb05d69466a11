"""Every page of the web app, with real objects, and who may open it: shared by the page walks
(tests/test_chinese_pages.py reads each in Chinese, tests/e2e/test_every_page_on_a_phone.py opens each at 360 px
in large text). The URLs are built from Flask's URL map with the world of tests/test_tenancy.py, so a new page is
walked without anyone listing it here."""
import io

from flask import url_for

from app.core.extensions import db
from app.streets.models import StreetViewer
from jobs.queues import run_in_process_jobs
from tests.factories import PASSWORD, UserFactory, member, token_for
from tests.test_tenancy import PARAMS, VALUE_PARAMS, _world

SKIP_ENDPOINTS = ("static", "api-docs.", "healthz", "home.readyz")
# Downloads are files for spreadsheets and machines, not pages.
DOWNLOADS = ("units.export", "meals.manifest_xlsx", "meals.canteen_statement_xlsx", "residents.download_export",
             "venues.calendar", "calendar.feed", "calendar.activity_feed",
             "photos.photo", "photos.thumb", "contributions.export", "reports.draft_xlsx", "reports.draft_pdf",
             "reports.version_xlsx", "reports.version_pdf", "fund.receipt", "fund.statement_xlsx", "fund.statement_pdf",
             "streets.export", "commendations.certificate")
# Who may open pages, in the order they are tried: the first whom a page answers 200 is the one who reads it.
ROLES = ("admin", "resident", "council", "operator", "street", "visitor")
# Bare requests, no CSRF tokens to fetch: tests/test_tenancy.py's configuration, so the app is shared.
APP_CONFIG = {"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT_IP": "10000 per minute"}


def world(app, clock) -> dict:
    """The community `alpha` (all its data carry the marker ALPHA), its people and an import with errors."""
    clock(2026, 11, 30, 10)  # Monday, as in tests/test_tenancy.py: the world's needs are for the days after
    made = _world("alpha", "ALPHA")
    run_in_process_jobs()
    made["operator"] = UserFactory(is_operator=True, name="平台运维")
    street_viewer = UserFactory(name="街道干部")  # a viewer of alpha's street office
    db.session.add(StreetViewer(street_id=made["community"].street_id, user_id=street_viewer.id))
    db.session.commit()
    made["people"] = {"admin": made["admin"], "resident": made["other"], "operator": made["operator"],
                      "council": member(made["community"], "council", name="ALPHA 委员"), "street": street_viewer,
                      "visitor": None}
    made["import_url"] = _import_with_errors(app, made["admin"], "alpha")
    return made


def page_urls(app, made: dict) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint.startswith(SKIP_ENDPOINTS):
            continue
        if rule.endpoint in DOWNLOADS:
            continue
        values = {}
        for arg in rule.arguments:
            if arg == "slug":
                values[arg] = made["community"].slug
            elif arg in VALUE_PARAMS:
                values[arg] = VALUE_PARAMS[arg]
            else:
                assert arg in PARAMS, f"route {rule.rule} takes <{arg}>: teach tests/test_tenancy.py PARAMS about it"
                values[arg] = PARAMS[arg](made)
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **values))
    return urls + [made["import_url"]]


def logged_in(app, user):
    client = app.test_client()
    if user is not None:
        response = client.post("/login", data={"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
    return client


def readers(app, made: dict) -> dict[str, tuple[str, object]]:
    """url → (role, the 200 response to that role), for every page; fails on a page nobody may open."""
    clients = {role: logged_in(app, made["people"][role]) for role in ROLES}
    found, unopened = {}, []
    for url in page_urls(app, made):
        for role in ROLES:
            response = clients[role].get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                found[url] = (role, response)
                break
        else:
            unopened.append(f"{url} ({response.status_code})")
    assert not unopened, f"pages nobody could open: {unopened}"
    return found


def _import_with_errors(app, admin, slug: str) -> str:
    """An upload whose rows are wrong in every way a sheet can be, sent by an English API client: its
    preview is a page to read too, by a Chinese colleague."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["单位名称", "单位类型", "地址", "联系电话", "入会日期", "状态"])
    sheet.append(["", "商户", "", "", "", ""])
    sheet.append(["ALPHA 火箭站", "火箭", "", "", "", ""])
    sheet.append(["电话站", "商户", "", "打电话", "昨天", "睡觉"])  # no Latin in the values: the messages are read
    sheet.append(["电话站", "商户", "长" * 300, "13800000000", "2026-13-45", ""])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    api = app.test_client()
    headers = {**token_for(api, admin), "Accept-Language": "en"}
    response = api.post(f"/api/v1/c/{slug}/units/imports", data={"file": (data, "errors.xlsx")},
                        content_type="multipart/form-data", headers=headers)
    assert response.status_code in (200, 201), response.get_data(as_text=True)[:2000]
    assert "Unknown unit type" in str(response.get_json()["rows"])  # the English client reads English
    return f"/c/{slug}/units/import/{response.get_json()['id']}"
