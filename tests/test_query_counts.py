"""The number of SQL statements a list sends does not grow with the size of the community (no N+1)."""
from datetime import date

import pytest
from sqlalchemy import insert, select

from app.accounts.models import User
from app.cases.models import CaseUnit, GoodCase
from app.core.extensions import db
from app.fund import ledger
from app.fund import services as fund
from app.reports import services as reports
from app.units.models import Unit, UnitRepresentative
from app.units.services import sort_key
from tenants.context import tenant_context
from tenants.models import Membership, MembershipRole
from tests.factories import Browser, CommunityFactory, member, password_hash, token_for
from tests.yearworld import build_year_world, grow


def bulk_users(tag: str, n: int) -> list[int]:
    db.session.execute(insert(User), [
        {"name": f"居民{tag}{i}", "email": f"{tag}{i}@example.cn", "password_hash": password_hash()} for i in range(n)])
    return db.session.execute(select(User.id).where(User.email.like(f"{tag}%"))).scalars().all()


def bulk_memberships(community, user_ids: list[int], roles_for) -> None:
    """Memberships and roles by Core insert; roles_for(membership_id) names the roles."""
    db.session.execute(insert(Membership), [{"community_id": community.id, "user_id": uid} for uid in user_ids])
    membership_ids = db.session.execute(
        select(Membership.id).where(Membership.user_id.in_(user_ids))).scalars().all()
    db.session.execute(insert(MembershipRole), [
        {"community_id": community.id, "membership_id": mid, "role": role}
        for mid in membership_ids for role in roles_for(mid)])


def bulk_units(community, n: int, represented: int) -> None:
    """n units by Core insert; the first `represented` in list order get a representative each, all different
    people, so a lazy load per unit or per representative would show up as more statements."""
    names = [f"单位{i:05d}" for i in range(n)]
    with tenant_context(community.id):
        db.session.execute(insert(Unit), [
            {"community_id": community.id, "name": name, "name_sort": sort_key(name), "type": "shop",
             "address": f"柳荫街{i}号", "contact_name": "张三", "contact_phone": "13900000000", "description": "",
             "status": "active"} for i, name in enumerate(names)])
        first = db.session.execute(select(Unit.id).order_by(Unit.name_sort, Unit.id).limit(represented)).scalars().all()
        rep_ids = bulk_users(f"{community.slug}-rep", len(first))
        bulk_memberships(community, rep_ids, lambda mid: ("resident", "unit"))
        db.session.execute(insert(UnitRepresentative), [
            {"community_id": community.id, "unit_id": unit_id, "user_id": user_id}
            for unit_id, user_id in zip(first, rep_ids)])
        db.session.commit()


def bulk_members(community, n: int) -> None:
    """n residents (users, memberships, roles) by Core insert."""
    user_ids = bulk_users(f"{community.slug}-bulk", n)
    with tenant_context(community.id):
        bulk_memberships(community, user_ids, lambda mid: ("resident", "council")[: 1 + mid % 2])
        db.session.commit()


def setup_community(n_units: int, n_members: int):
    community = CommunityFactory()
    admin = member(community, "admin")
    bulk_units(community, n_units, represented=min(n_units, 60))
    if n_members:
        bulk_members(community, n_members)
    return community, admin


def getter(app, admin, kind):
    """GET as the admin: through the log-in session (pages) or with a bearer token (API)."""
    if kind == "page":
        browser = Browser(app.test_client())
        browser.login(admin)
        return browser.get
    client = app.test_client()
    headers = token_for(client, admin)

    def get(url):
        return client.get(url, headers=headers)

    return get


def warm_count(count_sql, get, url):
    first = get(url)
    assert first.status_code == 200, first.get_data(as_text=True)
    with count_sql() as n:
        response = get(url)
    assert response.status_code == 200
    return n(), response


@pytest.mark.parametrize("kind", ["page", "api"])
def test_unit_list_queries_do_not_grow_with_units(app, count_sql, kind):
    counts = {}
    for size in (10, 1000):
        community, admin = setup_community(size, 0)
        url = f"/c/{community.slug}/units/" if kind == "page" else f"/api/v1/c/{community.slug}/units"
        counts[size], response = warm_count(count_sql, getter(app, admin, kind), url)
        if kind == "api":
            items = response.get_json()["items"]
            assert len(items) == min(size, 50)
            # Relationships really loaded: every unit on the page has its representative, with a name.
            assert all(len(u["representatives"]) == 1 and u["representatives"][0]["name"] for u in items)
        else:
            assert response.get_data(as_text=True).count('<th scope="row"') == min(size, 50)
    assert counts[10] == counts[1000], counts
    assert counts[1000] <= 12, counts


def test_unit_list_second_page_queries_do_not_grow(app, count_sql):
    counts = {}
    for size in (10, 1000):
        community, admin = setup_community(size, 0)
        get = getter(app, admin, "api")
        cursor = get(f"/api/v1/c/{community.slug}/units?limit=5").get_json()["next_cursor"]
        counts[size], _ = warm_count(count_sql, get, f"/api/v1/c/{community.slug}/units?limit=5&cursor={cursor}")
    assert counts[10] == counts[1000], counts


@pytest.mark.parametrize("kind", ["page", "api"])
def test_member_list_queries_do_not_grow_with_members(app, count_sql, kind):
    counts = {}
    for size in (10, 1000):
        community, admin = setup_community(20, size)
        url = f"/c/{community.slug}/members/" if kind == "page" else f"/api/v1/c/{community.slug}/members"
        counts[size], response = warm_count(count_sql, getter(app, admin, kind), url)
        if kind == "api":
            items = response.get_json()["items"]
            assert len(items) == min(size + 21, 50)  # with the admin and the 20 units' representatives
            assert all(m["roles"] and m["name"] for m in items)
    assert counts[10] == counts[1000], counts
    assert counts[1000] <= 12, counts


def test_cheapest_authenticated_requests_send_what_the_benchmark_claims(app, count_sql):
    """bench/README.md: GET /api/v1/me is one statement; the units list three on PostgreSQL — the row-level
    security settings, the token with its user, community, membership and roles, the page of units joined
    with their representatives — and two on SQLite, which has no settings to send."""
    community, admin = setup_community(60, 0)
    get = getter(app, admin, "api")
    postgres = db.engine.dialect.name == "postgresql"
    expected = {"/api/v1/me": 1, f"/api/v1/c/{community.slug}/units": 3 if postgres else 2}
    for url, statements in expected.items():
        first = get(url)
        assert first.status_code == 200, first.get_data(as_text=True)
        with count_sql(settings=True) as n:
            assert get(url).status_code == 200
        assert n() == statements, n.statements
    if postgres:
        assert n.statements[0].upper().startswith("SELECT SET_CONFIG"), n.statements


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_community_request_looks_its_caller_up_in_one_query(app, count_sql, kind):
    """Session or token: the user, the community, the membership and its roles come in one statement."""
    community, admin = setup_community(5, 0)
    get = getter(app, admin, kind)
    url = f"/c/{community.slug}/units/" if kind == "page" else f"/api/v1/c/{community.slug}/units"
    assert get(url).status_code == 200
    with count_sql(settings=True) as n:
        assert get(url).status_code == 200
    lookups = [s for s in n.statements if " memberships" in s or "FROM memberships" in s]
    assert len(lookups) == 1, n.statements
    table = "user_sessions" if kind == "page" else "api_tokens"
    assert table in lookups[0] and "communities" in lookups[0] and "membership_roles" in lookups[0], lookups[0]


def test_a_page_does_not_read_the_signed_in_user_again_after_its_commit(app, count_sql):
    """The security headers ask whether someone is signed in without loading the user's row again."""
    community, admin = setup_community(5, 0)
    get = getter(app, admin, "page")
    url = f"/c/{community.slug}/units/"
    assert get(url).status_code == 200
    with count_sql(settings=True) as n:
        response = get(url)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert not [s for s in n.statements if s.startswith("SELECT users.")], n.statements


def _commendation_world(size: int):
    """`size` units scored in `size // 5` campaigns, each with every unit nominated (up to 20) and three awards."""
    from datetime import date

    from app.commendations import services as commendations
    from app.commendations.models import Award

    community, admin = setup_community(size, 0)
    with tenant_context(community.id):
        unit_ids = db.session.execute(select(Unit.id).order_by(Unit.id)).scalars().all()
        campaign = None
        for n in range(max(1, size // 5)):
            campaign = commendations.create(year=2026, category=f"奖项{n}", actor_id=admin.id)
            commendations.open_campaign(campaign, actor_id=admin.id)
            commendations.score(campaign, actor_id=admin.id)
            for unit_id in unit_ids[:20]:
                commendations.nominate(campaign, unit_id=unit_id, citation="理由", actor_id=admin.id)
            campaign.status = "announced"
            db.session.add_all([Award(campaign_id=campaign.id, unit_id=unit_id, unit_name=f"单位{unit_id}", rank=i,
                                      votes=1, score=0, citation="理由", number=f"{campaign.id}-{i}",
                                      code=f"c{campaign.id}-{i}", issued_on=date(2026, 12, 1))
                                for i, unit_id in enumerate(unit_ids[:3], 1)])
        db.session.commit()
        return community, admin, campaign.id


@pytest.mark.parametrize("path", ["/c/{slug}/commendations/", "/c/{slug}/commendations/{campaign}",
                                  "/c/{slug}/honours", "/api/v1/c/{slug}/commendations",
                                  "/api/v1/c/{slug}/commendations/{campaign}/scores",
                                  "/api/v1/c/{slug}/commendations/{campaign}/nominations"])
def test_commendation_lists_do_not_grow_with_units_campaigns_or_nominations(app, count_sql, path):
    counts = {}
    for size in (5, 30):
        community, admin, campaign_id = _commendation_world(size)
        url = path.format(slug=community.slug, campaign=campaign_id)
        counts[size], _response = warm_count(count_sql, getter(app, admin, "api" if url.startswith("/api") else "page"),
                                             url)
    assert counts[5] == counts[30], counts
def bulk_cases(community, n: int) -> None:
    """n published good cases by Core insert, each naming a different unit (and the first unit too)."""
    with tenant_context(community.id):
        unit_ids = db.session.execute(select(Unit.id).order_by(Unit.id)).scalars().all()
        db.session.execute(insert(GoodCase), [
            {"community_id": community.id, "title": f"事例{i}", "story": "故事", "happened_on": date(2026, 3, 1),
             "status": "published", "published_on": date(2026, 3, 2)} for i in range(n)])
        case_ids = db.session.execute(select(GoodCase.id).order_by(GoodCase.id)).scalars().all()
        links = [{"community_id": community.id, "case_id": c, "unit_id": unit_ids[i % len(unit_ids)]}
                 for i, c in enumerate(case_ids)]
        links += [{"community_id": community.id, "case_id": c, "unit_id": unit_ids[-1]} for c in case_ids
                  if unit_ids[-1] != unit_ids[case_ids.index(c) % len(unit_ids)]]
        db.session.execute(insert(CaseUnit), links)
        db.session.commit()


@pytest.mark.parametrize("kind", ["page", "api"])
def test_case_list_queries_do_not_grow_with_cases(app, count_sql, kind):
    counts = {}
    for size in (5, 200):
        community, admin = setup_community(size, 0)
        bulk_cases(community, size)
        url = f"/c/{community.slug}/cases/" if kind == "page" else f"/api/v1/c/{community.slug}/cases"
        counts[size], response = warm_count(count_sql, getter(app, admin, kind), url)
        if kind == "api":
            items = response.get_json()["items"]
            assert len(items) == min(size, 50) and all(c["units"] and c["units"][0]["name"] for c in items)
        else:
            assert response.get_data(as_text=True).count('<th scope="row"') == min(size, 50)
    assert counts[5] == counts[200], counts


@pytest.mark.parametrize("kind", ["page", "api"])
def test_contribution_table_queries_do_not_grow_with_units(app, count_sql, kind, clock):
    clock(2026, 11, 30, 10)
    counts = {}
    for size in (10, 300):
        community, admin = setup_community(size, 0)
        bulk_cases(community, size)
        url = (f"/c/{community.slug}/contributions?year=2026" if kind == "page"
               else f"/api/v1/c/{community.slug}/contributions?year=2026")
        counts[size], response = warm_count(count_sql, getter(app, admin, kind), url)
        if kind == "api":
            assert len(response.get_json()["items"]) == size
        else:
            assert response.get_data(as_text=True).count('<th scope="row"') == size
    assert counts[10] == counts[300], counts


@pytest.fixture
def year_world(app, clock):
    return build_year_world(clock)


@pytest.mark.parametrize("kind", ["page", "api"])
def test_the_yearly_report_and_the_year_in_charts_do_not_grow_with_the_year(app, count_sql, year_world, kind):
    community, admin = year_world["community"], year_world["staff"]
    with tenant_context(community.id):
        reports.submit(2026, actor_id=admin.id)
        db.session.commit()
    get = getter(app, admin, kind)
    urls = (["/c/yb/reports/2026", "/c/yb/reports/", "/c/yb/reports/2026/versions/1", "/c/yb/"] if kind == "page"
            else ["/api/v1/c/yb/reports/2026", "/api/v1/c/yb/reports/2026/versions"])
    counts = {}
    for size in (3, 40):
        with tenant_context(community.id):
            grow(year_world["offer"], year_world["school"], size)
        counts[size] = [warm_count(count_sql, get, url)[0] for url in urls]
    assert counts[3] == counts[40], counts
    assert max(counts[40]) <= 30, counts


def _fund_year(n: int):
    """A community whose fund has n allocations, n donations (every third anonymous) and n paid expenses."""
    community = CommunityFactory()
    admin = member(community, "admin", "coordinator")
    other = member(community, "coordinator")
    with tenant_context(community.id):
        public = ledger.accounts()["public"].id
        for i in range(n):
            fund.record_income(source="government", account_id=public, amount_fen=1000_00, payer=f"街道{i}")
            fund.record_donation(donor_kind="person", donor_name=f"捐赠人{i}", anonymous=i % 3 == 0,
                                 amount_fen=100_00 + i, account_id=public)
            expense = fund.propose_expense(account_id=public, category=("activity", "relief", "office")[i % 3],
                                           purpose=f"用途{i}", payee=f"收款方{i}", amount_fen=50_00, actor_id=admin.id)
            fund.approve_expense(expense, actor_id=other.id)
            fund.pay_expense(expense, actor_id=other.id)
        db.session.commit()
    return community, admin


@pytest.mark.parametrize("path, kind", [("/fund/ledger", "page"), ("/fund/", "page"), ("/fund/expenses", "page"),
                                        ("/fund/donations", "page"), ("/transparency", "page"),
                                        ("/fund/transactions", "api"), ("/fund/expenses", "api")])
def test_fund_pages_queries_do_not_grow_with_the_ledger(app, count_sql, path, kind):
    counts = {}
    for size in (2, 30):
        community, admin = _fund_year(size)
        url = f"/c/{community.slug}{path}" if kind == "page" else f"/api/v1/c/{community.slug}{path}"
        counts[size], _response = warm_count(count_sql, getter(app, admin, kind), url)
    assert counts[2] == counts[30], counts
    assert counts[30] <= 14, counts


@pytest.mark.parametrize("kind", ["page", "api"])
def test_the_street_comparison_does_not_grow_with_its_communities_rows(app, count_sql, kind):
    """The street's page and API read each community's figures in the same statements however many rows it holds
    (tests/test_streets.py: and the same statements for each community more)."""
    from tests.streets_world import make_world, street_part

    counts = {}
    with street_part():
        world = make_world(n_units=(1, 1), disabled=(0, 0))
        for size, community in ((10, world.east), (1000, world.odd)):
            bulk_units(community, size, represented=1)
            get = getter(app, world.viewer, kind)
            url = "/s/heping/" if kind == "page" else "/api/v1/s/heping/communities"
            counts[size], _response = warm_count(count_sql, get, url)
    assert counts[10] == counts[1000], counts
