"""`huzhu demo`: the demo community `demo` (L社区 of T街道) in the source's mix, idempotent, and the
log-ins it prints work. The loader takes seconds, so one test runs it (twice) and checks everything."""
import re
from collections import Counter
from datetime import UTC

from sqlalchemy import func, select

from app.accounts.models import User
from app.activities import services as activities
from app.activities.models import Activity, ActivityUnit, CulturalPoint, Registration, RegistrationNeeds
from app.applications.models import UnitApplication
from app.ballots.models import Ballot
from app.cases import services as cases
from app.contributions import services as contributions
from app.core.extensions import db
from app.council.models import CouncilSeat
from app.demo import activities as activities_demo
from app.demo import streets as streets_demo
from app.demo.data import demo_residents, demo_units
from app.demo.loader import PASSWORD, demo_logins
from app.fund import ledger
from app.fund import services as fund
from app.fund.models import Donation, Expense
from app.photos import services as photos
from app.photos.models import Photo
from app.publicworks.models import PublicWorksHelper, PublicWorksLine, PublicWorksRequest
from app.reports import services as reports
from app.residents.models import Resident
from app.reviews.models import Review
from app.units.models import Unit, UnitRepresentative
from app.venues import services as venues
from app.venues.models import Booking, BookingOccurrence, Venue
from tenants import clock
from tenants.context import tenant_context
from tenants.models import Community, Membership, MembershipRole, Street
from tests.factories import Browser

BODY_TYPES = {"central_body", "municipal_body", "district_body", "park", "cultural_centre", "clinic"}


def _mix(types: Counter) -> dict:
    return {
        "bodies": sum(n for t, n in types.items() if t in BODY_TYPES),
        "schools": types["school"],
        "shops": types["shop"],
        "enterprises": types["enterprise"] + types["property_company"],
        "property_companies": types["property_company"],
        "parks": types["park"], "cultural_centres": types["cultural_centre"], "clinics": types["clinic"],
        "total": sum(types.values()),
    }


SOURCE_MIX = {"bodies": 13, "schools": 3, "shops": 63, "enterprises": 56, "property_companies": 1,
              "parks": 1, "cultural_centres": 1, "clinics": 1, "total": 135}


def _counts(community_id) -> dict:
    db.session.expire_all()
    counts = {model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
              for model in (User, Community, Street)}
    with tenant_context(community_id):
        for model in (Membership, MembershipRole, Unit, UnitRepresentative, PublicWorksRequest, PublicWorksLine):
            counts[model.__tablename__] = db.session.execute(select(func.count()).select_from(model)).scalar_one()
        counts["roles"] = dict(db.session.execute(
            select(MembershipRole.role, func.count()).group_by(MembershipRole.role)).all())
    return counts


def _activity_counts(community_id) -> dict:
    db.session.expire_all()
    with tenant_context(community_id):
        return {model.__tablename__: db.session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Activity, ActivityUnit, Registration, RegistrationNeeds, CulturalPoint, Photo, Venue,
                              Booking, BookingOccurrence)}


def _joint_activities(community_id) -> dict:
    """The venues, the school hall's bookings and the first period's joint activities, as the demo made them."""
    today = clock.today()
    with tenant_context(community_id):
        rows = list(db.session.execute(select(Activity).order_by(Activity.starts_at)).scalars())
        past = [a for a in rows if a.ends_at.replace(tzinfo=a.ends_at.tzinfo or UTC) < clock.utcnow()]
        assert len(past) == 28
        involved = {a.organiser_unit_id for a in past} | {u for a in past for u in a.co_organiser_ids}
        assert len(involved - {None}) >= 20
        assert Counter(a.status for a in past) == {"closed": 25, "recorded": 1, "held": 2}
        pictures = photos.photos_of(activities.PHOTO_OWNER, [a.id for a in past])
        for activity in past:
            if activity.status in ("recorded", "closed"):
                assert activity.record_text and 1 <= len(pictures[activity.id]) <= 3, activity.title
                assert all(p.alt for p in pictures[activity.id])
            else:
                assert not pictures.get(activity.id) and not activity.record_text
            figures = activities.attendance(activity)
            assert figures["present"] >= 2 and figures["no_shows"] >= 1, activity.title
        assert any(a.public for a in past if a.status == "closed")
        assert any(p.public for a in past for p in pictures[a.id])
        assert any(activities.attendance(a)["walk_ins"] for a in past)
        assert {"区税务局", "区人社局", "区市场监管局"} <= {a.guests for a in past}
        # The cultural centre, a 文化活动点: three of its four activities of the year recorded, so behind.
        (point,) = activities.points_progress(today.year)
        assert point["point"].name.startswith("区第二文化馆")
        assert (point["done"], point["target"], point["behind"]) == ((3, 4, True) if today.timetuple().tm_yday > 1
                                                                     else (0, 4, True))
        # The school hall: the choir every Saturday for three months, confirmed by the school; the request on
        # its first date declined; one request (and an activity's booking) waiting for the school.
        hall = db.session.execute(select(Venue).where(Venue.name == "学校礼堂")).scalar_one()
        assert hall.needs_confirmation and hall.step_free
        choir = db.session.execute(select(Booking).where(Booking.purpose == "合唱队排练")).scalar_one()
        dates = [o.starts_at.replace(tzinfo=UTC).astimezone(clock.zone()) for o in choir.occurrences]
        assert len(dates) == 13 and {d.weekday() for d in dates} == {5}
        assert {o.status for o in choir.occurrences} == {"confirmed"}
        school = db.session.execute(select(Unit).where(Unit.name == "北京市第二百一十三中学")).scalar_one()
        rep = db.session.execute(select(UnitRepresentative).where(UnitRepresentative.unit_id == school.id)).scalar_one()
        waiting = venues.pending_for(venues.owned_venue_ids(rep.user_id, staff=False))
        assert len(waiting) == 2
        clash = db.session.execute(select(Booking).where(Booking.purpose == "亲子运动会彩排")).scalar_one()
        assert [o.status for o in clash.occurrences] == ["declined"]
        # The health lecture in three days: full, four on the waiting list (the first offered a freed place); the
        # demo resident has his QR code, the son signed his mother up, one needs a wheelchair place.
        lecture = db.session.execute(select(Activity).where(Activity.title.like("健康讲座%"))).scalar_one()
        assert lecture.status == "scheduled" and lecture.capacity == lecture.taken == 20
        statuses = Counter(r.status for r in activities.registrations_of(lecture))
        assert statuses == {"registered": 19, "offered": 1, "waiting": 3, "cancelled": 1}
        resident = db.session.execute(select(Resident).join(User, User.id == Resident.account_id)
                                      .where(User.phone == "15813388010")).scalar_one()
        mine = [r for r in activities.registrations_of(lecture) if r.resident_id == resident.id]
        assert len(mine) == 1 and mine[0].status == "registered" and len(mine[0].code) == 10
        son = db.session.execute(select(User).where(User.phone == "13400000001")).scalar_one()
        assert any(r.registered_by_id == son.id and r.name == "周淑珍" for r in activities.registrations_of(lecture))
        assert activities.needs_summary(lecture)["wheelchair"] == 1
        upcoming = Counter(a.status for a in rows if a not in past and a.id != lecture.id)
        assert upcoming == {"proposed": 2, "approved": 1}
        assert db.session.execute(select(Ballot).where(Ballot.subject_type == "activity",
                                                       Ballot.status == "open")).scalar_one()
    db.session.rollback()
    return _activity_counts(community_id)


def _good_cases(app, community_id: int) -> list[int]:
    """Three published good cases with drawn photos (one public each) and the property company's help with the
    public works, counted in its record; the public story pages name no demo resident."""
    with tenant_context(community_id):
        stories = cases.stories(cases.published())
        titles = {s["case"].title for s in stories}
        assert {"京华物业食堂为残疾老人送上热饭", "学校礼堂借给残疾人康复训练", "物业员工清理银杏路盲道"} <= titles
        assert all(len(s["photos"]) == 1 and s["photos"][0].alt for s in stories)
        blind_path = next(s for s in stories if s["case"].title == "物业员工清理银杏路盲道")
        assert blind_path["link"]["type"] == "public_works"
        company = db.session.execute(select(Unit.id).where(Unit.name == "京华物业管理有限公司")).scalar_one()
        done = db.session.execute(
            select(PublicWorksRequest.done_on).join(PublicWorksHelper, PublicWorksHelper.request_id ==
                                                    PublicWorksRequest.id)
            .where(PublicWorksHelper.unit_id == company)).scalars().all()
        assert len(done) == 2
        assert contributions.record(done[0].year, [company])[company].public_works >= 1
        ids = [s["case"].id for s in stories]
    visitor = app.test_client()
    pages = "".join(visitor.get(f"/c/demo/cases/{case_id}").get_data(as_text=True) for case_id in ids)
    assert "京华物业管理有限公司" in pages
    for person in demo_residents(300):
        assert person["name"] not in pages and person["phone"] not in pages
    return ids


def test_demo_data_follows_the_source():
    units = demo_units()
    assert _mix(Counter(u["type"] for u in units)) == SOURCE_MIX
    names = {u["name"] for u in units}
    assert "京华物业管理有限公司" in names and "L公园" in names and "区第二文化馆" in names
    assert len({u["contact_phone"] for u in units}) == 135
    residents = demo_residents(300)
    assert len(residents) == 300 and len({r["phone"] for r in residents}) == 300
    assert any(r["elderly"] for r in residents)
    # Deterministic: the same every time.
    assert demo_units() == units


def _fund_year(community_id) -> dict:
    """The demo's year of the fund: its donations, its expenses by status, its balance; every entry balanced."""
    with tenant_context(community_id):
        db.session.expire_all()
        assert set(fund.line_sums_by_transaction().values()) == {0}
        return {"donations": sorted((d.donor_name, d.anonymous, d.amount_fen) for d in
                                    db.session.execute(select(Donation)).scalars()),
                "expenses": dict(Counter(db.session.execute(select(Expense.status)).scalars())),
                "balance": sum(fen for _a, fen in fund.overview(clock.today().year)["funds"]),
                "entries": len(fund.line_sums_by_transaction()), "accounts": len(ledger.accounts())}


def test_huzhu_demo_loads_the_community_idempotently_and_its_logins_work(app, runner):
    result = runner.invoke(args=["demo", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "135 units" in result.output
    assert "demo log-ins" not in result.output  # --quiet

    db.session.expire_all()
    community = Community.by_slug("demo")
    assert community is not None
    assert community.name == "L社区" and community.street.name == "T街道" and community.status == "active"
    first = _counts(community.id)
    assert first["units"] == 135
    with tenant_context(community.id):
        types = Counter(dict(db.session.execute(select(Unit.type, func.count()).group_by(Unit.type)).all()))
        property_company = db.session.execute(select(Unit).where(Unit.type == "property_company")).scalar_one()
    assert _mix(types) == SOURCE_MIX
    assert property_company.name == "京华物业管理有限公司"
    property_company_id = property_company.id  # plain id: the object expires at the next commit
    # About 300 residents (plus the representatives who are residents too).
    assert 300 <= first["roles"]["resident"] <= 320
    assert first["roles"]["admin"] >= 1 and first["roles"]["coordinator"] >= 1 and first["roles"]["council"] >= 1
    assert first["roles"]["representative"] >= 1 and first["roles"]["unit"] >= 1
    assert first["unit_representatives"] >= 1
    # and its neighbours 槐树社区 and 银杏社区, of the same street
    assert first["communities"] == 3 and first["streets"] == 1
    # Five requests of the demo's data, and the one of last year that its report's version 2 corrected.
    assert first["public_works_requests"] == 6 and first["public_works_lines"] == 9
    with tenant_context(community.id):
        versions = reports.versions(clock.today().year - 1)
        changes = reports.changes_of(versions[-1])
        changed = {c.key: (c.old or 0, c.new) for c in changes["changed"] + changes["added"]}
        status = reports.status_of(clock.today().year - 1)
    assert [v.number for v in versions] == [1, 2] and "更正" in versions[1].narrative
    assert changed["public_works_done"][1] == changed["public_works_done"][0] + 1
    assert status["status"] == "submitted" and status["version"] == 2

    # The association's first period: 31 applications (28 admitted, 1 rejected with its reason, 2 pending), a
    # council of six with positions, eight representatives, last year's review done.
    with tenant_context(community.id):
        by_status = dict(db.session.execute(select(UnitApplication.status, func.count())
                                            .group_by(UnitApplication.status)).all())
        rejected = db.session.execute(select(UnitApplication).where(UnitApplication.status == "rejected")).scalar_one()
        positions = Counter(db.session.execute(select(CouncilSeat.position)).scalars())
        last_review = db.session.execute(select(Review).where(Review.year == clock.today().year - 1)).scalar_one()
        ballot = db.session.execute(select(Ballot).where(Ballot.status == "open",
                                                         Ballot.subject_type == "application")).scalar_one()
        ballot_id, ballot_title = ballot.id, ballot.title
    assert by_status == {"admitted": 28, "rejected": 1, "under_review": 1, "ballot": 1}
    assert "推销理财产品" in rejected.decision_reason
    assert positions == {"chair": 1, "vice_chair": 1, "secretary": 1, "member": 3}
    assert first["roles"]["council"] == 6 and first["roles"]["representative"] == 8
    assert last_review.status == "closed"
    assert "顺心家政服务有限公司" in ballot_title

    activity_rows = _joint_activities(community.id)
    fund_year = _fund_year(community.id)
    assert fund_year["expenses"] == {"paid": 7, "refunded": 1, "proposed": 1}
    assert ("京华物业管理有限公司", False, 10000_00) in fund_year["donations"]
    assert ("林女士", True, 2000_00) in fund_year["donations"]
    case_ids = _good_cases(app, community.id)

    # Again, this time printing the log-ins: nothing new is made.
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert _counts(community.id) == first
    with tenant_context(community.id):
        assert sorted(c.id for c in cases.published()) == sorted(case_ids)
    assert _activity_counts(community.id) == activity_rows
    assert _fund_year(community.id) == fund_year

    printed = re.findall(r"^\s+(.+?)\s{2,}(\S+)\s+(\S+)\s*$", result.output, re.M)
    logins = {login: password for _role, login, password in printed}
    assert "admin@demo.example" in logins and logins["admin@demo.example"] == "huzhu-demo-2026"
    assert {login for _r, login, _p in demo_logins()} <= set(logins)

    # The admin logs in on the page and sees the community.
    client = app.test_client()
    assert Browser(client).login("admin@demo.example", "huzhu-demo-2026").status_code == 302
    home = client.get("/c/demo/")
    assert home.status_code == 200
    assert "L社区" in home.get_data(as_text=True)
    assert client.get("/c/demo/units/").status_code == 200
    detail = client.get(f"/c/demo/units/{property_company_id}")
    assert detail.status_code == 200 and "京华物业管理有限公司" in detail.get_data(as_text=True)
    works = client.get("/c/demo/public-works/").get_data(as_text=True)
    assert "疏通槐树胡同排水管道" in works and "120/320 米" in works

    # Every printed log-in works (by e-mail or mobile number); the operator sees the platform.
    for login, password in logins.items():
        assert password == PASSWORD
        response = app.test_client().post("/api/v1/auth/tokens", json={"email": login, "password": password})
        assert response.status_code == 201, (login, response.get_data(as_text=True))
    # The association's public pages show none of the demo residents' names or phones.
    visitor = app.test_client()
    answers = [visitor.get(f"/c/demo/{page}") for page in ("about", "join", "transparency")]
    assert [a.status_code for a in answers] == [200, 200, 200]
    public = "".join(a.get_data(as_text=True) for a in answers)
    assert "联合会" in public
    assert "京华物业管理有限公司" in public and "匿名捐赠" in public and "林女士" not in public
    for person in demo_residents(300):
        assert person["phone"] not in public and person["name"] not in public, person["name"]

    # The demo's representative has the open ballot waiting for her vote.
    voter = app.test_client()
    Browser(voter).login("representative@demo.example", PASSWORD)
    page = voter.get(f"/c/demo/ballots/{ballot_id}").get_data(as_text=True)
    assert "顺心家政服务有限公司" in page and 'type="radio"' in page
    # The school's representative has the school hall's two requests to decide.
    school = app.test_client()
    Browser(school).login(activities_demo.school_login(), PASSWORD)
    approvals = school.get("/c/demo/venues/approvals")
    assert approvals.status_code == 200
    assert "社区舞蹈队汇演彩排" in approvals.get_data(as_text=True)
    assert "家长课堂" in approvals.get_data(as_text=True)
    operator = app.test_client()
    Browser(operator).login("operator@huzhu.example", PASSWORD)
    assert operator.get("/platform/").status_code == 200
    # The street office's viewer compares the three communities of T街道.
    street = Browser(app.test_client())
    street.login(streets_demo.STREET_VIEWER[0], PASSWORD)
    compared = street.get("/s/t/")
    assert compared.status_code == 200
    assert all(name in compared.get_data(as_text=True) for name in ("L社区", "槐树社区", "银杏社区"))
    # Through the API, the admin pages through all 135 units.
    token = app.test_client().post("/api/v1/auth/tokens", json={"email": "admin@demo.example",
                                                                "password": PASSWORD}).get_json()["token"]
    seen, cursor = [], None
    while True:
        query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/c/demo/units", query_string=query, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        body = response.get_json()
        seen += [u["id"] for u in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 135
