"""The commendation campaign (评优): scores from a frozen snapshot of the evidence with the council's weights,
nominations with citations only of the campaign's units, a ballot of the council and the representatives whose
electorate the engine holds, the results announced with awards, certificates that can be verified, the honour
roll on the public page with no person named."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.ballots import services as ballots
from app.commendations import services as commendations
from app.contributions import services as contributions
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.notifications.models import OutboxEvent
from app.offers import services as offers
from app.units import services as units
from app.venues import services as venues
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import LUNCH, CommunityFactory, browser_for, member, page
from tests.pdfs import text_of

TZ = ZoneInfo("Asia/Shanghai")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=TZ)


@pytest.fixture
def town(app, clock):
    """柳荫社区 in 2026: the school lent its hall six hours, the canteen two hours and published three offers, the
    shop gave nothing; a withdrawn unit is no longer a member. Three council members (one represents the canteen),
    two resident representatives, a resident. It is 1 December 2026."""
    clock(2026, 3, 1, 10)
    community = CommunityFactory(slug="town", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    council = [member(community, "council", name=name) for name in ("赵理事", "钱理事", "孙理事")]
    reps = [member(community, "representative", name=name) for name in ("李代表", "周代表")]
    resident = member(community, "resident", name="王秀英")
    cook = member(community, "unit", name="吴厨师")
    with tenant_context(community.id):
        school = units.create_unit({"name": "柳荫小学", "type": "school"})
        canteen = units.create_unit({"name": "京华物业食堂", "type": "property_company"})
        shop = units.create_unit({"name": "安静便利店", "type": "shop"})
        gone = units.create_unit({"name": "已退出公司", "type": "enterprise"})
        units.add_representative(canteen, council[2].id)
        units.add_representative(canteen, cook.id)
        hall = venues.create_venue(unit_id=school.id, name="学校礼堂", capacity=120, hours={},
                                   needs_confirmation=False, book_ahead_days=400)
        room = venues.create_venue(unit_id=canteen.id, name="食堂餐厅", capacity=40, hours={},
                                   needs_confirmation=False, book_ahead_days=400)
        venues.request_booking(hall, starts_at=at(2026, 4, 1, 9), ends_at=at(2026, 4, 1, 15), purpose="运动会",
                               requested_by_id=staff.id)
        venues.request_booking(room, starts_at=at(2026, 4, 2, 9), ends_at=at(2026, 4, 2, 11), purpose="讲座",
                               requested_by_id=staff.id)
        for i in range(3):
            offers.create_offer({"unit_id": str(canteen.id), **LUNCH, "title": f"助餐午饭{i}"})
        units.change_status(gone, "withdrawn", actor_id=staff.id, tell=False)
        db.session.commit()
        ids = {"school": school.id, "canteen": canteen.id, "shop": shop.id, "gone": gone.id, "hall": hall.id}
    clock(2026, 12, 1, 10)
    return {"community": community, "staff": staff, "council": council, "reps": reps, "resident": resident,
            "cook": cook, **ids}


def _campaign(town, **kw):
    values = dict(year=2026, category="优秀会员单位", description="表彰本年度贡献突出的会员单位", awards=2,
                  max_choices=2, weights={"venue_hours": 1, "offers": 1}, actor_id=town["staff"].id)
    return commendations.create(**(values | kw))


def _scored(town, **kw):
    campaign = _campaign(town, **kw)
    commendations.open_campaign(campaign, actor_id=town["staff"].id)
    commendations.score(campaign, actor_id=town["council"][0].id)
    db.session.commit()
    return campaign


def _order(campaign):
    return [(r["name"], r["score"]) for r in commendations.scores(campaign)]


def _events(name):
    return db.session.execute(select(OutboxEvent).where(OutboxEvent.event == name)).scalars().all()


def test_the_formula_weighs_the_facts_and_orders_the_units(town):
    with tenant_context(town["community"].id):
        campaign = _scored(town)
        # venue hours × 1 + offers × 1: the school 6, the canteen 2 + 3; the withdrawn unit is not a member.
        assert _order(campaign) == [("柳荫小学", 6.0), ("京华物业食堂", 5.0), ("安静便利店", 0.0)]
        commendations.set_weights(campaign, {"venue_hours": 1, "offers": 2}, actor_id=town["council"][0].id)
        assert _order(campaign) == [("京华物业食堂", 8.0), ("柳荫小学", 6.0), ("安静便利店", 0.0)]
        assert commendations.formula_text(campaign) == "得分 = 2 × 发布服务项目 + 1 × 出借场地（小时）"
        with pytest.raises(ValidationFailed) as bad:
            commendations.set_weights(campaign, {"venue_hours": -1, "luck": 3}, actor_id=town["staff"].id)
        assert set(bad.value.fields) == {"weights.venue_hours", "weights"}
        assert _order(campaign)[0] == ("京华物业食堂", 8.0)  # nothing changed


def test_the_snapshot_is_frozen_and_refreshed_only_on_request_before_nominations(town):
    with tenant_context(town["community"].id):
        campaign = _scored(town)
        before = _order(campaign)
        # The evidence changes afterwards: the shop lends nothing but publishes offers, the hall lends more.
        shop = units.get_unit(town["shop"])
        for i in range(4):
            offers.create_offer({"unit_id": str(shop.id), **LUNCH, "title": f"便民服务{i}"})
        db.session.commit()
        assert contributions.record(2026, [town["shop"]])[town["shop"]].offers == 4
        db.session.expire_all()
        campaign = commendations.get(campaign.id)
        assert _order(campaign) == before  # the same scores: the snapshot is stored with the campaign
        commendations.set_weights(campaign, {"venue_hours": 1, "offers": 1}, actor_id=town["staff"].id)
        assert _order(campaign) == before  # re-scoring reads the same snapshot
        commendations.refresh(campaign, actor_id=town["staff"].id)  # asked for explicitly
        assert ("安静便利店", 4.0) in _order(campaign)
        commendations.nominate(campaign, unit_id=town["school"], citation="出借礼堂", actor_id=town["council"][0].id)
        with pytest.raises(Conflict):
            commendations.refresh(campaign, actor_id=town["staff"].id)
        assert [c.to_status for c in commendations.history_of(campaign)] == ["draft", "open", "scored", "scored"]


def test_a_nomination_outside_the_campaigns_units_or_twice_is_told_on_its_field(town, app):
    with tenant_context(town["community"].id):
        campaign = _scored(town)
        for unit_id in (town["gone"], 999999):
            with pytest.raises(ValidationFailed) as bad:
                commendations.nominate(campaign, unit_id=unit_id, citation="理由", actor_id=town["council"][0].id)
            assert list(bad.value.fields) == ["unit_id"]
        with pytest.raises(ValidationFailed) as bad:
            commendations.nominate(campaign, unit_id=town["school"], citation=" ", actor_id=town["council"][0].id)
        assert list(bad.value.fields) == ["citation"]
        commendations.nominate(campaign, unit_id=town["school"], citation="出借礼堂", actor_id=town["council"][0].id)
        with pytest.raises(ValidationFailed) as bad:
            commendations.nominate(campaign, unit_id=town["school"], citation="再次", actor_id=town["council"][1].id)
        assert bad.value.fields["unit_id"] == ["该单位已被推荐。"]
        db.session.commit()
        campaign_id = campaign.id
    browser = browser_for(app, town["council"][1])
    response = browser.post(page(town["community"], f"/commendations/{campaign_id}/nominate"),
                            data={"unit_id": str(town["gone"]), "citation": "理由"})
    assert response.status_code == 422
    assert "只能推荐本次评优证据中的单位" in response.get_data(as_text=True)


def _run_to_announcement(town, drain=None):
    campaign = _scored(town, weights={"venue_hours": 1, "offers": 2})
    council, reps = town["council"], town["reps"]
    for unit, citation in (("school", "全年出借礼堂，支持社区运动会"), ("canteen", "坚持助餐，服务老人"),
                           ("shop", "热心便民")):
        commendations.nominate(campaign, unit_id=town[unit], citation=citation, actor_id=council[0].id)
    ballot = commendations.open_ballot(campaign, days=5, secret=True, actor_id=town["staff"].id)
    db.session.commit()
    assert campaign.status == "voting" and ballot.kind == "choice" and ballot.max_choices == 2
    keys = {n.unit_id: n.option_key for n in commendations.nominations(campaign)}
    school, canteen, shop = keys[town["school"]], keys[town["canteen"]], keys[town["shop"]]
    ballots.vote(ballot, council[0].id, [school, canteen])
    ballots.vote(ballot, council[1].id, [school])
    ballots.vote(ballot, reps[0].id, [school, shop])
    db.session.commit()
    ballots.vote(ballot, reps[1].id, [school])
    db.session.commit()
    return campaign, ballot


def test_nominations_and_the_ballot_lead_to_the_awards_and_the_honour_roll(town, app, clock, client, drain):
    with tenant_context(town["community"].id):
        campaign, ballot = _run_to_announcement(town)
        # The engine's electorate: the council and the representatives, without whoever represents a nominee.
        elector = ballot.elector(town["council"][2].id)
        assert elector.excluded and "京华物业食堂" in elector.excluded_reason
        with pytest.raises(ApiError) as refused:
            ballots.vote(ballot, town["council"][2].id, ["1"])
        assert refused.value.code == 403 and refused.value.error_code == "excluded"
        with pytest.raises(ApiError) as refused:
            ballots.vote(ballot, town["resident"].id, ["1"])
        assert refused.value.code == 403 and refused.value.error_code == "not_in_electorate"
        with pytest.raises(Conflict):
            commendations.announce(campaign, actor_id=town["staff"].id)  # still voting
        db.session.rollback()
        clock(2026, 12, 6, 11)
        assert ballots.close_if_due(ballots.get(ballot.id))
        db.session.commit()
        campaign = commendations.get(campaign.id)
        assert campaign.status == "closed"
        # The school 4 votes; the canteen and the shop 1 each: the canteen's higher score breaks the tie.
        rows = commendations.results(campaign)
        assert [(r["name"], r["votes"], r["awarded"], r["tie_broken"]) for r in rows] == [
            ("柳荫小学", 4, True, False), ("京华物业食堂", 1, True, True), ("安静便利店", 1, False, False)]
        made = commendations.announce(campaign, actor_id=town["staff"].id)
        db.session.commit()
        assert [(a.unit_name, a.votes, a.number) for a in made] == [
            ("柳荫小学", 4, f"2026-{campaign.id:03d}-01"), ("京华物业食堂", 1, f"2026-{campaign.id:03d}-02")]
        assert len({a.code for a in made}) == 2 and all(len(a.code) >= 20 for a in made)
        event = _events("commendation.results")[0]
        assert event.audience == {"all_members": True} and _events("commendation.opened")
        assert [c.to_status for c in commendations.history_of(campaign)] == [
            "draft", "open", "scored", "voting", "closed", "announced"]
        with pytest.raises(Conflict):
            commendations.announce(campaign, actor_id=town["staff"].id)  # once
    honours = client.get("/c/town/honours")
    text = honours.get_data(as_text=True)
    assert honours.status_code == 200
    assert "柳荫小学" in text and "全年出借礼堂，支持社区运动会" in text and "优秀会员单位" in text and "2026" in text
    assert "安静便利店" not in text  # nominated, not awarded
    for person in ("陈晓燕", "赵理事", "钱理事", "孙理事", "李代表", "周代表", "王秀英", "吴厨师", "13900000000"):
        assert person not in text


def test_the_certificate_reads_back_and_its_code_is_verified_publicly(town, app, clock, client):
    with tenant_context(town["community"].id):
        campaign, ballot = _run_to_announcement(town)
        clock(2026, 12, 6, 11)
        ballots.close_if_due(ballots.get(ballot.id))
        award = commendations.announce(commendations.get(campaign.id), actor_id=town["staff"].id)[1]
        db.session.commit()
        award_id, code, number = award.id, award.code, award.number
    cook = browser_for(app, town["cook"])  # the canteen's representative
    response = cook.get(page(town["community"], f"/commendations/awards/{award_id}/certificate.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    for expected in ("荣誉证书", "柳荫社区", "京华物业食堂", "优秀会员单位", "2026", number, "坚持助餐，服务老人",
                     "2026-12-06"):
        assert expected in text, expected
    assert f"/c/town/verify/{code}" in text.replace("\n", "")
    assert "京华物业食堂" in cook.get(page(town["community"], "/commendations/")).get_data(as_text=True)
    shop_keeper = member(town["community"], "unit", name="便利店店主")
    assert browser_for(app, shop_keeper).get(
        page(town["community"], f"/commendations/awards/{award_id}/certificate.pdf")).status_code == 403
    verified = client.get(f"/c/town/verify/{code}")
    body = verified.get_data(as_text=True)
    assert verified.status_code == 200 and "证书真实有效" in body
    assert all(part in body for part in ("柳荫社区", "京华物业食堂", "优秀会员单位", "2026", number))
    unknown = client.get("/c/town/verify/not-a-real-code-1234567")
    assert unknown.status_code == 404 and "查无此证书" in unknown.get_data(as_text=True)


def test_a_ballot_without_quorum_returns_the_campaign_to_its_nominations(town, clock):
    with tenant_context(town["community"].id):
        campaign = _scored(town)
        for unit in ("school", "canteen"):
            commendations.nominate(campaign, unit_id=town[unit], citation="理由", actor_id=town["council"][0].id)
        ballot = commendations.open_ballot(campaign, days=2, quorum_pct=50, actor_id=town["staff"].id)
        db.session.commit()
        clock(2026, 12, 4, 11)
        ballots.close_if_due(ballots.get(ballot.id))
        db.session.commit()
        campaign = commendations.get(campaign.id)
        assert campaign.status == "scored" and campaign.ballot_id is None
        assert commendations.open_ballot(campaign, days=2, actor_id=town["staff"].id).id != ballot.id


def test_the_today_page_and_the_digest_count_what_waits(town, app):
    with tenant_context(town["community"].id):
        campaign = _campaign(town)
        commendations.open_campaign(campaign, actor_id=town["staff"].id)
        assert commendations.counts() == {"commendations_nominating": 1, "commendations_ballot_due": 0,
                                          "commendations_to_announce": 0}
        commendations.score(campaign, actor_id=town["staff"].id)
        for unit in ("school", "canteen"):
            commendations.nominate(campaign, unit_id=town[unit], citation="理由", actor_id=town["council"][0].id)
        assert commendations.counts()["commendations_ballot_due"] == 1
        db.session.commit()
    today = browser_for(app, town["staff"]).get(page(town["community"], "/today")).get_data(as_text=True)
    assert "待开始投票的评优活动" in today


def test_two_announcements_at_once_make_one_set_of_awards(town, app, clock):
    with tenant_context(town["community"].id):
        campaign, ballot = _run_to_announcement(town)
        clock(2026, 12, 6, 11)
        ballots.close_if_due(ballots.get(ballot.id))
        db.session.commit()
        campaign_id, staff_id = campaign.id, town["staff"].id
    results = in_threads(app, town["community"].id,
                         lambda _n: len(commendations.announce(commendations.get(campaign_id), actor_id=staff_id)),
                         [1, 2])
    assert sorted(map(str, results)) == ["2", "already_announced"], results
    with tenant_context(town["community"].id):
        assert len(commendations.awards_of(commendations.get(campaign_id))) == 2
        assert len(_events("commendation.results")) == 1


def test_the_yearbook_has_the_years_awards_with_their_votes(town, clock):
    from app import yearbook

    with tenant_context(town["community"].id):
        assert yearbook.parts(2026, {"commendations"}) == []
        campaign, ballot = _run_to_announcement(town)
        clock(2026, 12, 6, 11)
        ballots.close_if_due(ballots.get(ballot.id))
        commendations.announce(commendations.get(campaign.id), actor_id=town["staff"].id)
        db.session.commit()
        part = yearbook.parts(2026, {"commendations"})[0]
        assert part.figure("awards").value == 2 and part.figure("awards").street
        assert part.tables[0].rows == [["优秀会员单位", "柳荫小学", 4], ["优秀会员单位", "京华物业食堂", 1]]
        assert yearbook.Part.from_dict(part.as_dict()).tables[0].rows == part.tables[0].rows
        # The street's own count of the awards says the same as the full part.
        assert yearbook.street_figures_of(2026, {"commendations"}) == yearbook.street_figures([part])
        assert yearbook.street_figures_of(2025, {"commendations"}) == []


def test_a_fund_expense_may_name_an_award(town, clock):
    from app.fund import links

    with tenant_context(town["community"].id):
        campaign, ballot = _run_to_announcement(town)
        clock(2026, 12, 6, 11)
        ballots.close_if_due(ballots.get(ballot.id))
        award = commendations.announce(commendations.get(campaign.id), actor_id=town["staff"].id)[0]
        db.session.commit()
        named = links.resolve("award", award.id)
        assert named.title == "2026 优秀会员单位 · 柳荫小学" and named.url == f"/commendations/{campaign.id}"
        assert links.resolve("award", 999999) is None
