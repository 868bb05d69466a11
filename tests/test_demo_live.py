"""`huzhu demo` on the day it runs: the coordinator's today page has work on it, the units have proposals,
the meal table has today's and tomorrow's orders and yesterday's missed meal, the street page shows the
neighbour's shared offer, the family member acts for his mother, and a second run changes no row.
The load takes seconds, so each test loads it once (and the first twice) and checks everything on it."""
import pathlib
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.announcements import services as announcements
from app.announcements.models import Announcement
from app.core.extensions import db
from app.demo.live import FAMILY, MOTHER, NEIGHBOUR_STAFF
from app.demo.loader import PASSWORD
from app.matching import services as matching
from app.meals.models import MealOrder
from app.residents.models import Resident
from app.units.models import Unit
from tenants import clock as community_clock
from tenants.context import tenant_context
from tenants.models import Community
from tests.factories import Browser

URL = "http://127.0.0.1:5061"


def _rows() -> dict:
    """Rows of every table, as each community sees them."""
    db.session.expire_all()
    counts = {}
    for community in db.session.execute(select(Community.id, Community.slug)).all():
        with tenant_context(community.id):
            for table in db.metadata.sorted_tables:
                counts[community.slug, table.name] = db.session.execute(
                    select(func.count()).select_from(table)).scalar_one()
    db.session.rollback()
    return counts


def _section(page: str, heading_id: str) -> str:
    """The text of one panel of a page, from its heading to the next panel."""
    start = page.index(f'id="{heading_id}"')
    end = page.find("<section", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:end if end > 0 else None]))


def _load(runner, drain, *args):
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    drain()  # the notifications' fan-out and the street's follow-ups (a worker's work with Redis)
    return result.output


def _today_page(app) -> str:
    coordinator = Browser(app.test_client())
    assert coordinator.login("coordinator@demo.example", PASSWORD).status_code == 302
    response = coordinator.get("/c/demo/today")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_demo_is_alive_on_the_day_it_is_loaded_and_a_second_run_changes_nothing(app, runner, drain):
    app.config["PUBLIC_BASE_URL"] = URL  # as `make demo PORT=5061` sets it
    printed = _load(runner, drain)
    first = _rows()

    # The printout names the server the app is configured for, and every role's log-in.
    assert f"{URL}/login" in printed and f"{URL}/c/demo/today" in printed and ":5000" not in printed
    assert FAMILY[0] in printed and NEIGHBOUR_STAFF[0] in printed
    assert "today:" in printed and "needs to triage" in printed

    # The coordinator's today page: needs to triage (several kinds), an escalation, proposals waiting for
    # units, a match to confirm, a referral from the neighbour, today's meals and yesterday's missed one.
    page = _today_page(app)
    new = _section(page, "new-h")
    assert "(5)" in new and "明天午饭送到家" in new and "上门量血压" in new and "咨询房屋继承手续" in new
    assert "陪妈妈去医院复查" in new and MOTHER["name"] in new
    assert {"助餐", "体检", "法律援助", "志愿服务", "就业"} <= set(re.findall(r"· (\S+)", new))
    assert "术后借用轮椅" in _section(page, "esc-h")
    proposed = _section(page, "proposed-h")
    assert "(3)" in proposed and "午饭送餐（腿脚不便）" in proposed and "文化馆排练厅" in proposed
    assert "晚饭送餐（老伴住院）" in _section(page, "accepted-h")
    assert "槐树社区" in _section(page, "ref-h")
    meals_part = _section(page, "meals-h")
    today = community_clock.today()
    with tenant_context(Community.by_slug("demo").id):
        orders = {day: db.session.execute(select(func.count()).where(MealOrder.day == day,
                                                                     MealOrder.status == "ordered")).scalar_one()
                  for day in (today, today + timedelta(days=1))}
        missed = db.session.execute(select(MealOrder, Resident.name).where(MealOrder.status == "missed")
                                    .join(Resident, Resident.id == MealOrder.resident_id)).all()
        delivered_yesterday = db.session.execute(select(func.count()).where(
            MealOrder.day == today - timedelta(days=1), MealOrder.status == "delivered")).scalar_one()
        canteen = db.session.execute(select(Unit.id).where(Unit.name == "京华物业管理有限公司")).scalar_one()
        unit_proposals = [m.id for m in matching.list_matches(status="proposed", unit_id=canteen)]
        confirmed = len(matching.list_matches(status="confirmed"))
        announcement = db.session.execute(select(Announcement).order_by(Announcement.id)).scalars().first()
        receipts = announcements.read_stats(announcement)
    assert orders[today] > 0 and orders[today + timedelta(days=1)] > 0
    assert f"{orders[today]} 份" in meals_part
    assert len(missed) == 1 and missed[0][0].day == today - timedelta(days=1) and missed[0][1] in meals_part
    assert delivered_yesterday > 0
    assert confirmed == 3
    assert 0 < receipts["read"] < receipts["recipients"]

    # The canteen's representative (the printed unit log-in) sees the proposal waiting for an answer.
    assert unit_proposals
    canteen_login = re.search(r"unit \(京华物业 canteen\)\s+(\d+)", printed).group(1)
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": canteen_login, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    waiting = app.test_client().get("/api/v1/c/demo/matches", query_string={"status": "proposed"}, headers=headers)
    assert [str(i) for i in unit_proposals] == [m["id"] for m in waiting.get_json()["items"]]

    # The street page: what went to 槐树社区 (taken there, with its shared offer) and what came from it.
    coordinator = Browser(app.test_client())
    coordinator.login("coordinator@demo.example", PASSWORD)
    street = coordinator.get("/c/demo/referrals/").get_data(as_text=True)
    assert "槐树社区" in _section(street, "in-h") and "槐树社区" in _section(street, "out-h")
    assert "来自社区" in _section(street, "in-h") and "开始" not in _section(street, "in-h")  # not "From" a date
    referred = re.findall(r'href="(/c/demo/referrals/\d+)"', street[street.index('id="out-h"'):])
    assert len(referred) == 2  # one taken by 槐树社区, one the escalation offered to the whole street
    assert any("康复辅具租借（轮椅、助行器）" in coordinator.get(link).get_data(as_text=True) for link in referred)
    neighbour = Browser(app.test_client())
    assert neighbour.login(NEIGHBOUR_STAFF[0], PASSWORD).status_code == 302
    assert "L社区" in _section(neighbour.get("/c/huaishu/today").get_data(as_text=True), "ref-h")

    # The family member logs in, sees his mother's meals, skips one and asks for help for her.
    son = Browser(app.test_client())
    assert son.login(FAMILY[0], PASSWORD).status_code == 302
    assert MOTHER["name"] in son.get("/c/demo/residents/").get_data(as_text=True)
    with tenant_context(Community.by_slug("demo").id):
        mother = db.session.execute(select(Resident).where(Resident.name == MOTHER["name"])).scalar_one()
        mother_id = mother.id
        later = db.session.execute(select(MealOrder.id).where(
            MealOrder.resident_id == mother_id, MealOrder.day == today + timedelta(days=3))).scalar_one()
    db.session.rollback()
    assert MOTHER["name"] in son.get("/c/demo/meals/").get_data(as_text=True)
    assert son.post(f"/c/demo/meals/orders/{later}/cancel").status_code == 302
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": FAMILY[0], "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    asked = app.test_client().post("/api/v1/c/demo/needs", headers=headers, json={
        "kind": "meal", "title": "妈妈后天的晚饭", "resident_id": str(mother_id),
        "day": (today + timedelta(days=2)).isoformat(), "slot": "dinner"})
    assert asked.status_code == 201, asked.get_data(as_text=True)
    with tenant_context(Community.by_slug("demo").id):
        assert db.session.get(MealOrder, later).status == "cancelled"
    db.session.rollback()

    # What the family member did is two rows more (a cancelled order is the same row); the demo run again,
    # the same day, adds none.
    drain()  # with Redis, what the son's request queued
    before = _rows()
    assert before != first
    again = _load(runner, drain, "--url", "http://10.0.0.7:8000/")
    assert _rows() == before
    assert "http://10.0.0.7:8000/login" in again and URL not in again


def test_make_demo_serves_and_prints_the_same_address():
    """`make demo PORT=… HOST=…` hands the address to both the printout (PUBLIC_BASE_URL) and the server."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = pathlib.Path(__file__).resolve().parent.parent
    plan = subprocess.run(["make", "-n", "demo", "PORT=5077", "HOST=0.0.0.0"], cwd=root, capture_output=True,
                          text=True, check=True).stdout
    assert "PUBLIC_BASE_URL=http://0.0.0.0:5077 .venv/bin/huzhu demo" in plan
    assert "PUBLIC_BASE_URL=http://0.0.0.0:5077 .venv/bin/huzhu run --host 0.0.0.0 --port 5077" in plan
    assert "5000" not in plan


def test_the_demo_loaded_late_on_a_sunday_leap_day_still_has_today_and_tomorrow(app, runner, drain, clock):
    """After the meal cutoff, on the day the week turns, on 29 February: the dates come from the community
    clock, and "seventy years ago" is a day that exists."""
    clock(2032, 2, 29, 23, 30)  # a Sunday, 23:30 in Shanghai
    _load(runner, drain, "--quiet")
    page = _today_page(app)
    assert "术后借用轮椅" in _section(page, "esc-h") and "(3)" in _section(page, "proposed-h")
    with tenant_context(Community.by_slug("demo").id):
        days = dict(db.session.execute(select(MealOrder.day, func.count()).where(MealOrder.status == "ordered")
                                       .group_by(MealOrder.day)).all())
        missed = db.session.execute(select(MealOrder.day).where(MealOrder.status == "missed")).scalars().all()
    db.session.rollback()
    today = community_clock.today()
    assert days.get(today) and days.get(today + timedelta(days=1))
    assert missed == [today - timedelta(days=1)]
