"""Tenant isolation, proven on every route: another community's object is a 404 and stays unchanged.

The suite walks Flask's URL map, so a new route is covered without anyone adding it here — unless
it takes an object id this file does not know yet, and then the suite fails and asks for it.
"""
import hashlib
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.activities import services as activity_services
from app.announcements import services as announcements
from app.applications import services as applications
from app.applications.schemas import ApplicationIn
from app.ballots import services as ballots
from app.cases import services as case_services
from app.commendations import services as commendations
from app.commendations.models import Award
from app.core.extensions import db
from app.council import services as council
from app.fund import ledger as fund_ledger
from app.fund import services as fund
from app.matching import services as matching
from app.meals import services as meals
from app.meals.models import MealOrder
from app.meals.schemas import PlanIn
from app.needs import services as needs
from app.needs.schemas import NeedIn
from app.notifications.models import Delivery
from app.offers import services as offers
from app.photos import services as photos
from app.publicworks import services as public_works
from app.publicworks.schemas import PublicWorksProgressIn, PublicWorksRequestIn
from app.referrals import services as referrals
from app.reports import services as report_services
from app.residents import exports
from app.residents import services as residents
from app.reviews import services as reviews
from app.units import services as units
from app.units.models import UnitImport
from app.venues import services as venue_services
from jobs.queues import run_in_process_jobs
from tenants.context import TenantContextMissing, tenant_context, unscoped
from tenants.models import Street
from tenants.scoping import TenantScoped
from tenants.street import StreetScoped
from tests.factories import TEST_PHOTO_OWNER, CommunityFactory, UserFactory, image_bytes, member, token_for
from tests.pdfs import text_of as pdf_text

MARKER = "ZETA-BETA-ONLY"
SKIP_METHODS = {"HEAD", "OPTIONS"}
# Platform routes belong to no community; they have their own operator-only test.
NOT_TENANT_ROUTES = ("platform.", "platform_api.", "static", "api-docs.")


@pytest.fixture
def app_config():
    # The suite sends bare requests; CSRF has its own tests, and here it would hide the 404 behind a 400.
    return {"WTF_CSRF_ENABLED": False, "LOGIN_RATE_LIMIT_IP": "10000 per minute"}


def _world(slug: str, marker: str) -> dict:
    # Each world has its own street: a referral of B is addressed to B's street, never to A's.
    community = CommunityFactory(slug=slug, name=f"{marker} 社区", street=Street(name=f"{marker} 街道"))
    admin = member(community, "admin", "coordinator", name=f"{marker} 管理员")
    other = member(community, "resident", name=f"{marker} 居民")
    with tenant_context(community.id):
        unit = units.create_unit({"name": f"{marker} 单位", "type": "shop", "address": f"{marker} 路"})
        units.add_representative(unit, other.id)
        batch = UnitImport(filename=f"{marker}.xlsx", rows=[{"line": 2, "values": {"name": f"{marker} 行"},
                                                             "errors": {}}])
        db.session.add(batch)
        db.session.commit()
        membership_id = units.members.membership_of(other.id).id
        announcement = announcements.send(title=f"{marker} 通知", body=f"{marker} 正文", sender_id=admin.id)
        db.session.flush()
        resident = residents.create_resident({"name": f"{marker} 居民档案", "address": f"{marker} 楼"},
                                             actor_id=admin.id, account_id=other.id)
        residents.record_consent(resident, given_by=f"{marker} 本人", method="in_person", actor_id=admin.id)
        residents.set_sensitive(resident, {"disability_category": "visual", "disability_grade": 2},
                                actor_id=admin.id)
        offer = offers.create_offer({"unit_id": str(unit.id), "kind": "meal", "title": f"{marker} 午餐",
                                     "capacity": 10, "slots": ["lunch"]})
        need = needs.create_need(NeedIn().load(
            {"kind": "meal", "title": f"{marker} 送餐", "resident_id": str(resident.id),
             "day": "2026-12-01", "slot": "lunch"}), actor_id=admin.id, tz=ZoneInfo("Asia/Shanghai"))
        match = matching.propose(need, offer.id, actor_id=admin.id)
        plan = meals.request_plan(PlanIn().load(
            {"resident_id": str(resident.id), "offer_id": str(offer.id), "weekdays": ["mon"], "slots": ["lunch"],
             "starts_on": "2027-01-04", "diet_notes": f"{marker} 少盐"}), actor_id=admin.id, confirm=True)
        meals.generate_orders(plans=[plan], start=date(2027, 1, 4), days=1)
        order_id = db.session.execute(select(MealOrder.id).where(MealOrder.plan_id == plan.id)).scalar_one()
        waiting = needs.create_need(NeedIn().load(
            {"kind": "meal", "title": f"{marker} 等待", "resident_id": str(resident.id),
             "day": "2026-12-02", "slot": "lunch"}), actor_id=admin.id, tz=ZoneInfo("Asia/Shanghai"))
        referral = referrals.refer_to_street(waiting, needs.facts(waiting, actor_id=admin.id,
                                                                  tz=ZoneInfo("Asia/Shanghai")), set())
        export = exports.request_export(resident, actor_id=other.id)  # the resident's own file, ready
        exports.build(export.id)
        works = public_works.create_request(PublicWorksRequestIn().load({
            "category": "road", "title": f"{marker} 修路", "department": f"{marker} 局",
            "lines": [{"description": f"{marker} 路面", "measure": "m2", "planned": 10}]}), actor_id=admin.id)
        public_works.move(works, "filed", actor_id=admin.id)
        public_works.record_progress(works, PublicWorksProgressIn().load({"lines": [{"id": str(works.lines[0].id),
                                                                                      "done": 4}]}), actor_id=admin.id)
        failed = Delivery(event_id=announcement.event_id, user_id=other.id, channel="email", status="failed",
                          last_error=f"{marker} bounce")
        db.session.add(failed)
        db.session.commit()
        token, _secret = accounts.create_token(admin, marker)
        db.session.commit()
        # A unit's application, made by the resident with their account, that the council asked about.
        application = applications.apply(ApplicationIn().load({
            "unit_name": f"{marker} 申请单位", "unit_type": "shop", "credit_code": "91350100M000100Y43",
            "address": f"{marker} 街", "contact_name": f"{marker} 联系人", "contact_mobile": "13700000000",
            "offers": ["meal"], "motivation": f"{marker} 理由", "consent": True}), user=other)
        applications.take(application, actor_id=admin.id)
        applications.ask(application, f"{marker} 请补充", actor_id=admin.id)
        db.session.commit()
        ballot = ballots.create(subject_type="question", subject_id=None, title=f"{marker} 表决",
                                body=f"{marker} 说明",
                                closes_at=datetime(2026, 12, 8, 18, tzinfo=ZoneInfo("Asia/Shanghai")),
                                electorate={"roles": ["admin"], "user_ids": [other.id]}, veto_limit=2,
                                actor_id=admin.id)
        ballots.vote(ballot, other.id, ["yes"])
        db.session.commit()
        chair = member(community, "resident", name=f"{marker} 理事长")
        voice = member(community, "resident", name=f"{marker} 民意代表")
        seat = council.appoint({"user_id": chair.id, "position": "chair", "term_start": date(2026, 11, 1),
                                "term_end": None, "note": f"{marker} 当选"}, actor_id=admin.id)
        council.appoint_representative(voice.id)
        db.session.commit()
        review = reviews.open_review(2026, actor_id=admin.id)  # the yearly review, with the unit as its one entry
        db.session.commit()
        review_id, entry_id = review.id, review.entries[0].id
        hall = venue_services.create_venue(unit_id=unit.id, name=f"{marker} 礼堂", capacity=50,
                                           closures=[{"starts_on": date(2027, 2, 1), "reason": f"{marker} 关闭"}])
        booking = venue_services.request_booking(
            hall, starts_at=datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
            ends_at=datetime(2026, 12, 7, 11, tzinfo=ZoneInfo("Asia/Shanghai")), purpose=f"{marker} 讲座",
            requested_by_id=admin.id)
        db.session.commit()
        venue_id, booking_id, occurrence_id = hall.id, booking.id, booking.occurrences[0].id
        closure_id = hall.closures[0].id
        photo = photos.add_photos(TEST_PHOTO_OWNER, -1, [(f"{marker}.png", image_bytes())], [f"{marker} 照片"],
                                  consent=True, actor_id=admin.id, public=True)[0]
        db.session.commit()
        activity = activity_services.propose(
            actor_id=admin.id, kind="training", title=f"{marker} 讲座", place=f"{marker} 广场",
            starts_at=datetime(2026, 12, 9, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
            ends_at=datetime(2026, 12, 9, 11, tzinfo=ZoneInfo("Asia/Shanghai")))
        activity_services.approve(activity, actor_id=admin.id)
        registration = activity_services.sign_up(activity, actor_id=admin.id, resident=resident)
        db.session.commit()
        helper = public_works.add_helper(works, {"unit_id": unit.id, "what": f"{marker} 清理"}, actor_id=admin.id)
        case = case_services.create_case({"title": f"{marker} 事例", "story": f"{marker} 故事",
                                          "happened_on": date(2026, 11, 1), "unit_ids": [unit.id],
                                          "link_type": "match", "link_id": match.id}, actor_id=admin.id)
        case_services.publish(case, actor_id=admin.id)
        # The yearly report: B has submitted two versions, A one (a version is named by its year and number).
        report_services.save_narrative(2026, f"{marker} 总结", actor_id=admin.id)
        for _ in range(2 if marker == MARKER else 1):
            report_services.submit(2026, actor_id=admin.id)
        public_fund = fund_ledger.accounts()["public"].id
        income = fund.record_income(source="government", account_id=public_fund, amount_fen=100000,
                                    payer=f"{marker} 街道办", actor_id=admin.id)
        donation = fund.record_donation(donor_kind="unit", unit_id=unit.id, amount_fen=50000, account_id=public_fund,
                                        note=f"{marker} 捐赠", actor_id=admin.id)
        expense = fund.propose_expense(account_id=public_fund, category="activity", purpose=f"{marker} 庙会",
                                       payee=f"{marker} 文化站", amount_fen=20000, actor_id=admin.id)
        db.session.commit()
        campaign = commendations.create(year=2026, category=f"{marker} 优秀会员单位", actor_id=admin.id)
        commendations.open_campaign(campaign, actor_id=admin.id)
        commendations.score(campaign, actor_id=admin.id)
        nomination = commendations.nominate(campaign, unit_id=unit.id, citation=f"{marker} 推荐理由",
                                            actor_id=admin.id)
        award = Award(campaign_id=campaign.id, unit_id=unit.id, unit_name=unit.name, rank=1, votes=1, score=0,
                      citation=f"{marker} 推荐理由", number=f"{marker}-001", code=f"{marker}-code",
                      issued_on=date(2026, 11, 30))
        db.session.add(award)
        db.session.commit()
        return {"transaction_id": income.id, "donation_id": donation.id, "expense_id": expense.id,
                "venue_id": venue_id, "booking_id": booking_id, "occurrence_id": occurrence_id,
                "closure_id": closure_id,
                "ballot_id": ballot.id, "community": community, "admin": admin, "other": other, "unit_id": unit.id,
                "announcement_id": announcement.id, "delivery_id": failed.id, "resident_id": resident.id,
                "offer_id": offer.id, "need_id": need.id, "match_id": match.id, "referral_id": referral.id,
                "plan_id": plan.id, "order_id": order_id, "export_id": export.id,
                "public_works_id": works.id, "public_works_line_id": works.lines[0].id,
                "member_id": membership_id, "import_id": batch.id, "token_id": token.id,
                "seat_id": seat.id, "application_id": application.id, "review_id": review_id, "entry_id": entry_id,
                "photo_id": photo.id, "activity_id": activity.id, "registration_id": registration.id,
                "registration_code": registration.code, "case_id": case.id, "helper_id": helper.id,
                "campaign_id": campaign.id, "nomination_id": nomination.id, "award_id": award.id,
                "certificate_code": award.code, "report_version": 2 if marker == MARKER else 1}


@pytest.fixture
def worlds(app, clock):
    clock(2026, 11, 30, 10)  # Monday: the needs are for the days after
    made = {"a": _world("alpha", "ALPHA"), "b": _world("beta", MARKER)}
    run_in_process_jobs()  # let the announcements' fan-out finish before anyone takes a snapshot
    return made


# How to fill each URL argument with community B's object.
PARAMS = {
    "unit_id": lambda b: b["unit_id"],
    "member_id": lambda b: b["member_id"],
    "import_id": lambda b: b["import_id"],
    "user_id": lambda b: b["other"].id,
    "token_id": lambda b: b["token_id"],
    "announcement_id": lambda b: b["announcement_id"],
    "delivery_id": lambda b: b["delivery_id"],
    "resident_id": lambda b: b["resident_id"],
    "offer_id": lambda b: b["offer_id"],
    "need_id": lambda b: b["need_id"],
    "match_id": lambda b: b["match_id"],
    "plan_id": lambda b: b["plan_id"],
    "order_id": lambda b: b["order_id"],
    "referral_id": lambda b: b["referral_id"],
    "export_id": lambda b: b["export_id"],
    "public_works_id": lambda b: b["public_works_id"],
    "community_slug": lambda b: b["community"].slug,
    "ballot_id": lambda b: b["ballot_id"],
    "seat_id": lambda b: b["seat_id"],
    "application_id": lambda b: b["application_id"],
    "review_id": lambda b: b["review_id"],
    "entry_id": lambda b: b["entry_id"],
    "venue_id": lambda b: b["venue_id"],
    "booking_id": lambda b: b["booking_id"],
    "occurrence_id": lambda b: b["occurrence_id"],
    "closure_id": lambda b: b["closure_id"],
    "photo_id": lambda b: b["photo_id"],
    "activity_id": lambda b: b["activity_id"],
    "registration_id": lambda b: b["registration_id"],
    "registration_code": lambda b: b["registration_code"],  # what a place's QR code opens
    "campaign_id": lambda b: b["campaign_id"],
    "nomination_id": lambda b: b["nomination_id"],
    "award_id": lambda b: b["award_id"],
    "certificate_code": lambda b: b["certificate_code"],  # what a certificate's QR code opens
    "street_slug": lambda b: b["community"].street.slug,  # B's street office: A's admin is no viewer of it
    "case_id": lambda b: b["case_id"],
    "helper_id": lambda b: b["helper_id"],
    "number": lambda b: b["report_version"],  # the latest report version of the year (B has a second, A not)
    "transaction_id": lambda b: b["transaction_id"],
    "donation_id": lambda b: b["donation_id"],
    "expense_id": lambda b: b["expense_id"],
}
# URL arguments that name no object (a file format, …).
VALUE_PARAMS = {"fmt": "csv", "action": "retry", "code": "not-a-code", "year": 2026}
# Valid bodies, so that the answer comes from the object lookup and not from input validation.
JSON_BODIES = {
    "units_api.update_unit": {"description": "改"},
    "units_api.add_representative": lambda b: {"user_id": str(b["other"].id)},
    "units_api.commit_import": {"skip_invalid": True},
    "units_api.create_unit": {"name": "新单位", "type": "shop"},
    "members_api.update_member": {"roles": ["resident"]},
    "members_api.add_member": {"login": "new@test.example", "name": "新人", "roles": ["resident"]},
    "announcements_api.send": {"title": "新通知", "body": "正文"},
    "residents_api.update_resident": {"household": "改"},
    "residents_api.put_sensitive": {"disability_category": "visual", "disability_grade": 1},
    "residents_api.record_consent": {"given_by": "本人"},
    "residents_api.create_resident": {"name": "新居民"},
    "offers_api.update_offer": {"title": "改"},
    "offers_api.add_closure": {"day": "2026-12-25"},
    "needs_api.move": {"to": "cancelled"},
    "matches_api.decline": {"note": ""},
    "matches_api.rate": {"rating": 5},
    "meals_api.decline_plan": {"note": ""},
    "meals_api.end_plan": {"ends_on": "2027-02-01"},
    "meals_api.mark_delivery": {"outcome": "delivered"},
    "meals_api.put_settings": {"cutoff": "17:00"},
    "referrals_api.refer": lambda b: {"need_id": str(b["need_id"]), "offer_id": str(b["offer_id"])},
    "public_works_api.update_request": {"title": "改"},
    "public_works_api.move": {"to": "cancelled"},
    "public_works_api.progress": lambda b: {"lines": [{"id": str(b["public_works_line_id"]), "done": 1}]},
    "ballots_api.create_ballot": {"title": "新表决", "closes_at": "2026-12-08T18:00:00+08:00", "roles": ["council"]},
    "ballots_api.cast_vote": {"choices": ["yes"]},
    "ballots_api.veto": {"reason": "理由"},
    "ballots_api.paper_vote": lambda b: {"voter_id": str(b["other"].id), "choices": ["yes"]},
    "council_api.end_term": {"note": "改"},
    "council_api.appoint": lambda b: {"user_id": str(b["other"].id), "position": "member",
                                      "term_start": "2026-12-01"},
    "council_api.appoint_representative": lambda b: {"user_id": str(b["other"].id)},
    "applications_api.ask": {"message": "请补充"},
    "applications_api.reject": {"reason": "不符合"},
    "applications_api.resubmit": {"needs": "改"},
    "reviews_api.open_review": {"year": 2025},
    "reviews_api.decide": {"decision": "keep"},
    "venues_api.request_booking": lambda b: {"venue_id": str(b["venue_id"]), "purpose": "讲座", "dry_run": True,
                                             "starts_at": "2026-12-08T09:00:00+08:00",
                                             "ends_at": "2026-12-08T10:00:00+08:00"},
    "venues_api.update_venue": {"name": "改"},
    "commendations_api.update_campaign": {"awards": 2, "max_choices": 2},
    "commendations_api.put_weights": {"weights": {"matches": 1}},
    "commendations_api.nominate": lambda b: {"unit_id": str(b["unit_id"]), "citation": "理由"},
    "activities_api.propose": {"kind": "training", "title": "讲座", "starts_at": "2026-12-10T09:00:00+08:00",
                               "ends_at": "2026-12-10T10:00:00+08:00"},
    "activities_api.update_activity": {"title": "改"},
    "activities_api.reject": {"reason": "理由"},
    "activities_api.cancel": {"reason": "理由"},
    "activities_api.set_place": {"place": "广场"},
    "activities_api.book_venue": lambda b: {"venue_id": str(b["venue_id"])},
    "activities_api.record": {"record_text": "记录", "walk_ins": 0},
    "activities_api.sign_up": lambda b: {"resident_id": str(b["resident_id"])},
    "activities_api.check_in": {"code": "not-a-code"},
    "activities_api.walk_in": {"name": "路人"},
    "cases_api.create_case": lambda b: {"title": "事例", "story": "故事", "happened_on": "2026-11-01",
                                        "unit_ids": [str(b["unit_id"])]},
    "cases_api.update_case": {"title": "改"},
    "cases_api.withdraw": {"note": ""},
    "public_works_api.add_helper": lambda b: {"unit_id": str(b["unit_id"])},
    "venues_api.add_closure": {"starts_on": "2026-12-25"},
    "fund_api.reverse": {"reason": "理由"},
    "fund_api.reject": {"reason": "理由"},
    "fund_api.refund": {"reason": "理由"},
    "fund_api.pay": {},
    "venues_api.add_occurrence": {"starts_at": "2026-12-09T09:00:00+08:00", "ends_at": "2026-12-09T10:00:00+08:00"},
    "venues_api.move_occurrence": {"starts_at": "2026-12-09T09:00:00+08:00",
                                   "ends_at": "2026-12-09T10:00:00+08:00"},
}


def _rules(app, with_ids: bool):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_TENANT_ROUTES):
            continue
        id_args = rule.arguments - {"slug"} - set(VALUE_PARAMS)
        if bool(id_args) != with_ids:
            continue
        for method in sorted(rule.methods - SKIP_METHODS):
            yield rule, method


def _build(app, rule, slug, b):
    values = {}
    if "slug" in rule.arguments:
        values["slug"] = slug
    for arg in rule.arguments & set(VALUE_PARAMS):
        values[arg] = VALUE_PARAMS[arg]
    for arg in rule.arguments - {"slug"} - set(VALUE_PARAMS):
        assert arg in PARAMS, f"route {rule.rule} takes <{arg}>: teach tests/test_tenancy.py PARAMS about it"
        values[arg] = PARAMS[arg](b)
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _send(client, method, url, endpoint, headers, b):
    body = JSON_BODIES.get(endpoint, {})
    body = body(b) if callable(body) else body
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body if method != "GET" else None, headers=headers)
    return client.open(url, method=method, data={"login": "x", "roles": "resident", "user_id": str(b["other"].id)})


def _snapshot(community_id: int) -> str:
    """Every tenant row of one community, hashed: proof that nothing in it changed."""
    digest = hashlib.sha256()
    with tenant_context(community_id):
        for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
            model = mapper.class_
            if not issubclass(model, (TenantScoped, StreetScoped)):
                continue
            rows = db.session.execute(select(model.__table__).order_by(*model.__table__.primary_key)).all()
            digest.update(json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False).encode())
    db.session.rollback()
    return digest.hexdigest()


def _text(response) -> str:
    """What a person would read in the response, spreadsheets included."""
    if "spreadsheetml" in response.content_type:
        import io

        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return json.dumps([list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)],
                          ensure_ascii=False)
    if response.mimetype == "application/pdf":
        return pdf_text(response.get_data())
    return response.get_data(as_text=True)


def _login(client, user):
    from tests.factories import PASSWORD

    response = client.post("/login", data={"login": user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_every_route_with_an_object_id_answers_404_for_another_communitys_object(app, worlds):
    a, b = worlds["a"], worlds["b"]
    before = _snapshot(b["community"].id)
    page_client, api_client = app.test_client(), app.test_client()
    _login(page_client, a["admin"])
    headers = token_for(api_client, a["admin"])
    checked = []
    for rule, method in _rules(app, with_ids=True):
        url = _build(app, rule, a["community"].slug, b)
        client = api_client if url.startswith("/api/") else page_client
        response = _send(client, method, url, rule.endpoint, headers, b)
        assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
        checked.append(f"{method} {rule.rule}")
    assert _snapshot(b["community"].id) == before
    assert len(checked) >= 20, checked  # the walk really walked


def test_lists_never_show_another_communitys_rows(app, worlds):
    a, b = worlds["a"], worlds["b"]
    page_client, api_client = app.test_client(), app.test_client()
    _login(page_client, a["admin"])
    headers = token_for(api_client, a["admin"])
    seen = 0
    for rule, method in _rules(app, with_ids=False):
        if method != "GET" or "slug" not in rule.arguments:
            continue
        url = _build(app, rule, a["community"].slug, b)
        client = api_client if url.startswith("/api/") else page_client
        response = client.get(url, headers=headers if url.startswith("/api/") else None)
        assert response.status_code < 500, url
        assert MARKER not in _text(response), f"{url} shows community B's data"
        if response.status_code == 200:
            seen += 1
    # The user's own lists across communities show only their own communities too.
    mine = api_client.get("/api/v1/me/communities", headers=headers).get_json()["items"]
    assert [c["slug"] for c in mine] == ["alpha"]
    assert seen >= 5


def test_non_member_gets_404_on_every_community_route(app, worlds):
    a = worlds["a"]
    before = _snapshot(a["community"].id)
    outsider = UserFactory(name="路人")
    page_client, api_client = app.test_client(), app.test_client()
    _login(page_client, outsider)
    headers = token_for(api_client, outsider)
    count = 0
    for with_ids in (False, True):
        for rule, method in _rules(app, with_ids=with_ids):
            if "slug" not in rule.arguments:
                continue
            view = app.view_functions[rule.endpoint]
            if getattr(view, "tenant_public", False):
                continue
            # Objects of A itself: an outsider must not learn they exist.
            url = _build(app, rule, a["community"].slug, a)
            client = api_client if url.startswith("/api/") else page_client
            response = _send(client, method, url, rule.endpoint, headers, a)
            assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            count += 1
    assert count >= 25
    assert _snapshot(a["community"].id) == before


STREET_ROUTES = ("streets.", "streets_api.")


def test_every_street_route_answers_404_to_everyone_but_the_streets_viewers(app, worlds):
    """The street office's routes are not a community's: only a viewer of that street gets in. A's admin (a
    community of the street), a viewer of B's street and an outsider all get 404 on every one of A's street's
    routes; the lists of one's streets (no street in the address) show B's viewer B's street only."""
    from app.streets.models import StreetViewer

    a, b = worlds["a"], worlds["b"]
    b_viewer = UserFactory(name="B 街道干部")
    db.session.add(StreetViewer(street_id=b["community"].street_id, user_id=b_viewer.id))
    db.session.commit()
    a_street = a["community"].street.slug
    routes = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith(STREET_ROUTES)
              for method in sorted(rule.methods - SKIP_METHODS)]
    assert len(routes) >= 5, routes
    for user in (a["admin"], b_viewer, UserFactory(name="路人")):
        page_client, api_client = app.test_client(), app.test_client()
        _login(page_client, user)
        headers = token_for(api_client, user)
        for rule, method in routes:
            values = {arg: a_street if arg == "street_slug" else VALUE_PARAMS[arg] if arg in VALUE_PARAMS
                      else PARAMS[arg](a) for arg in rule.arguments}
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **values)
            client = api_client if url.startswith("/api/") else page_client
            response = _send(client, method, url, rule.endpoint, headers, a)
            if "street_slug" not in rule.arguments and user is b_viewer:
                assert response.status_code in (200, 302) and a_street not in _text(response), url
                continue
            assert response.status_code == 404, f"{user.name}: {method} {url} answered {response.status_code}"


def test_member_of_b_reaching_a_by_slug_gets_404(app, worlds):
    client = app.test_client()
    _login(client, worlds["b"]["admin"])
    assert client.get("/c/alpha/units/").status_code == 404
    assert client.get("/c/no-such-community/").status_code == 404
    headers = token_for(app.test_client(), worlds["b"]["admin"])
    response = app.test_client().get("/api/v1/c/alpha/units", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_orm_scopes_queries_to_the_tenant_and_refuses_without_one(app, worlds):
    from app.units.models import Unit

    a, b = worlds["a"], worlds["b"]
    with tenant_context(a["community"].id):
        names = db.session.execute(select(Unit.name)).scalars().all()
        assert names == ["ALPHA 单位"]
        assert db.session.get(Unit, b["unit_id"]) is None
        # The explicit, greppable opt-out lifts the ORM filter; on PostgreSQL row-level security still holds.
        everything = db.session.execute(select(Unit.name).execution_options(**unscoped())).scalars().all()
        if db.engine.dialect.name == "postgresql":
            assert everything == ["ALPHA 单位"]
        else:
            assert sorted(everything) == sorted(["ALPHA 单位", f"{MARKER} 单位"])
    db.session.rollback()
    with pytest.raises(TenantContextMissing):
        db.session.execute(select(Unit)).all()
    db.session.rollback()


def test_orm_refuses_to_write_into_another_community(app, worlds):
    from app.units.models import Unit

    a, b = worlds["a"], worlds["b"]
    with tenant_context(a["community"].id):
        db.session.add(Unit(community_id=b["community"].id, name="偷渡", name_sort="toudu", type="shop"))
        with pytest.raises(TenantContextMissing):
            db.session.flush()
        db.session.rollback()
    db.session.add(Unit(name="无主", name_sort="wuzhu", type="shop"))
    with pytest.raises(TenantContextMissing):
        db.session.flush()
    db.session.rollback()


def test_bulk_update_and_delete_stay_in_the_tenant(app, worlds):
    from sqlalchemy import delete, update

    from app.units.models import Unit

    a, b = worlds["a"], worlds["b"]
    with tenant_context(a["community"].id):
        db.session.execute(update(Unit).values(description="全部改"))
        db.session.execute(delete(UnitImport))
        db.session.commit()
    with tenant_context(b["community"].id):
        unit = db.session.execute(select(Unit)).scalar_one()
        assert unit.description != "全部改"
        assert db.session.execute(select(UnitImport)).scalars().all()
    db.session.rollback()


def test_foreign_key_cannot_point_into_another_community(app, worlds):
    """The composite (community_id, unit_id) key: a representative row of A cannot name B's unit."""
    from sqlalchemy.exc import IntegrityError

    from app.units.models import UnitRepresentative

    a, b = worlds["a"], worlds["b"]
    with tenant_context(a["community"].id):
        db.session.add(UnitRepresentative(unit_id=b["unit_id"], user_id=a["admin"].id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
