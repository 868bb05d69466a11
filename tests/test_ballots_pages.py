"""Ballots through the JSON API and the pages: a free question, votes, the 403/404/409/422 answers, no result
before closing, paper votes, vetoes, the council's home and the phone page."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.ballots import services as ballots
from app.core.extensions import db
from app.residents.models import AuditEvent
from tenants.context import tenant_context
from tests.factories import CommunityFactory, browser_for, member, token_for

TZ = ZoneInfo("Asia/Shanghai")
API = "/api/v1/c/vote/ballots"
PAGES = "/c/vote/ballots"


@pytest.fixture
def world(app, clock):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug="vote", name="柳荫社区")
    other = CommunityFactory(slug="other", name="槐树社区")
    return {
        "community": community, "other": other,
        "staff": member(community, "admin", "coordinator", name="陈协调"),
        "council": member(community, "council", name="赵理事"),
        "rep": member(community, "representative", name="李奶奶"),
        "rep2": member(community, "representative", name="孙大爷"),
        "resident": member(community, "resident", name="王大爷"),
        "outsider": member(other, "representative", name="外社区代表"),
    }


def _question(client, headers, **extra):
    body = {"title": "是否同意周六开放活动室？", "closes_at": "2026-12-08T18:00:00+08:00",
            "roles": ["council", "representative"]} | extra
    return client.post(API, json=body, headers=headers)


def test_a_free_question_through_the_api_from_creation_to_result(app, client, world, clock):
    staff = token_for(client, world["staff"])
    made = _question(client, staff)
    assert made.status_code == 201, made.get_json()
    ballot = made.get_json()
    assert ballot["status"] == "open" and [o["key"] for o in ballot["options"]] == ["yes", "no", "abstain"]
    assert "tallies" not in ballot
    url = f"{API}/{ballot['id']}"
    rep, council = token_for(client, world["rep"]), token_for(client, world["council"])
    assert client.post(f"{url}/votes", json={"choices": ["yes"]}, headers=rep).status_code == 201
    assert client.post(f"{url}/votes", json={"choices": ["no"]}, headers=council).status_code == 201
    # No result before closing.
    early = client.get(f"{url}/results", headers=rep)
    assert early.status_code == 409 and early.get_json()["error"]["message"] == "投票截止后才公布结果。"
    assert client.get(url, headers=rep).get_json()["mine"] == {
        "in_electorate": True, "excluded_reason": None, "voted": True, "choices": ["yes"], "vetoed": False}
    clock(2026, 12, 8, 18, 5)
    with tenant_context(world["community"].id):
        assert ballots.close_due() == 1
        db.session.commit()
    result = client.get(f"{url}/results", headers=rep).get_json()
    # Two of three took part (the quorum is met), one yes and one no: a tie is not a majority.
    assert result["outcome"] == "rejected" and result["turnout"] == 2 and result["electorate"] == 3
    assert {v["name"]: v["choices"] for v in result["votes"]} == {"李奶奶": ["yes"], "赵理事": ["no"]}
    late = client.post(f"{url}/votes", json={"choices": ["no"]}, headers=rep)
    assert late.status_code == 409 and late.get_json()["error"]["message"] == "投票已经截止。"


def test_bad_input_is_told_in_chinese_and_nothing_is_saved(app, client, world):
    staff = token_for(client, world["staff"])
    bad = _question(client, staff, quorum_pct=120, closes_at="2026-11-30T18:00:00+08:00")
    assert bad.status_code == 422
    fields = bad.get_json()["error"]["fields"]
    assert fields["quorum_pct"] == ["参与比例须在 0 到 100% 之间。"]
    bad = _question(client, staff, opens_at="2026-12-09T08:00:00+08:00")
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"]["closes_at"] == ["截止时间必须晚于开始时间。"]
    assert client.get(API, headers=staff).get_json()["items"] == []
    resident = token_for(client, world["resident"])
    assert _question(client, resident).status_code == 403


def test_who_may_vote_403_inside_404_outside_409_twice_on_a_secret_ballot(app, client, world):
    staff = token_for(client, world["staff"])
    ballot = _question(client, staff, secret=True).get_json()
    url = f"{API}/{ballot['id']}"
    resident = token_for(client, world["resident"])
    assert client.get(url, headers=resident).status_code == 403
    outsider = token_for(client, world["outsider"])
    assert client.post(f"/api/v1/c/other/ballots/{ballot['id']}/votes", json={"choices": ["yes"]},
                       headers=outsider).status_code == 404
    # Staff are not in this electorate (council and representatives): 403 with the reason.
    not_voter = client.post(f"{url}/votes", json={"choices": ["yes"]}, headers=staff)
    assert not_voter.status_code == 403 and not_voter.get_json()["error"]["message"] == "您不是这次表决的投票人。"
    rep = token_for(client, world["rep"])
    first = client.post(f"{url}/votes", json={"choices": ["yes"]}, headers=rep)
    assert first.status_code == 201 and first.get_json()["choices"] == []
    again = client.post(f"{url}/votes", json={"choices": ["no"]}, headers=rep)
    assert again.status_code == 409 and "不能更改" in again.get_json()["error"]["message"]
    wrong = client.post(f"{url}/votes", json={"choices": ["maybe"]}, headers=token_for(client, world["rep2"]))
    assert wrong.status_code == 422
    paper = client.post(f"{url}/paper-votes", json={"voter_id": world["rep2"].id, "choices": ["yes"]},
                        headers=staff)
    assert paper.status_code == 409


def test_a_veto_needs_a_reason_and_enough_distinct_vetoes_end_the_ballot(app, client, world):
    staff = token_for(client, world["staff"])
    ballot = _question(client, staff, veto_limit=2).get_json()
    url = f"{API}/{ballot['id']}"
    rep, rep2 = token_for(client, world["rep"]), token_for(client, world["rep2"])
    assert client.post(f"{url}/veto", json={"reason": " "}, headers=rep).status_code == 422
    assert client.post(f"{url}/veto", json={"reason": "x"}, headers=token_for(client, world["council"])) \
        .status_code == 403
    assert client.post(f"{url}/veto", json={"reason": "以互助名义做广告"}, headers=rep).get_json()["vetoes"] == 1
    assert client.post(f"{url}/veto", json={"reason": "再来一次"}, headers=rep).status_code == 409
    done = client.post(f"{url}/veto", json={"reason": "同意"}, headers=rep2).get_json()
    assert done == {"ballot_id": ballot["id"], "vetoes": 2, "status": "closed"}
    result = client.get(f"{url}/results", headers=rep).get_json()
    assert result["outcome"] == "vetoed" and [v["reason"] for v in result["vetoes"]] == ["以互助名义做广告", "同意"]


def test_a_representative_votes_on_the_phone_page_and_changes_the_vote(app, world):
    with tenant_context(world["community"].id):
        ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ), actor_id=world["staff"].id,
                                electorate={"roles": ["representative"]})
        db.session.commit()
        url = f"{PAGES}/{ballot.id}"
    rep = browser_for(app, world["rep"])
    home = rep.get("/c/vote/home/council").get_data(as_text=True)
    assert "等待我投票的表决" in home and "是否同意周六开放活动室？" in home
    page = rep.get(url).get_data(as_text=True)
    assert "至少一半成员参与才有效；赞成票多于反对票即通过。" in page
    assert "<legend>是否同意周六开放活动室？</legend>" in page and 'type="radio" name="choices" value="yes"' in page
    missing = rep.post(f"{url}/vote", data={})
    assert missing.status_code == 422 and "field-errors" in missing.get_data(as_text=True)
    assert rep.post(f"{url}/vote", data={"choices": "no"}).status_code == 302
    page = rep.get(url).get_data(as_text=True)
    assert "您已投票" in page and "反对" in page and "更改我的投票" in page
    assert 'id="result-h"' not in page  # no result before closing
    assert rep.post(f"{url}/vote", data={"choices": "yes"}).status_code == 302
    with tenant_context(world["community"].id):
        assert ballots.choices_of(ballots.get(ballot.id), world["rep"].id) == ["yes"]


def test_staff_record_a_paper_vote_on_the_page_and_it_is_audited(app, world):
    with tenant_context(world["community"].id):
        ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ), actor_id=world["staff"].id,
                                electorate={"roles": ["representative"]})
        db.session.commit()
        url = f"{PAGES}/{ballot.id}"
    staff = browser_for(app, world["staff"])
    page = staff.get(url).get_data(as_text=True)
    assert "代录纸质投票" in page and "李奶奶" in page and "孙大爷" in page
    assert staff.post(f"{url}/paper-votes", data={"voter_id": world["rep2"].id, "choices": "yes"}).status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert "由 陈协调 代录" in page
    with tenant_context(world["community"].id):
        assert db.session.execute(select(AuditEvent.action)).scalars().all() == ["paper_vote"]


def test_a_closed_ballot_page_shows_the_result_and_who_voted_what(app, world, clock):
    with tenant_context(world["community"].id):
        ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ), actor_id=world["staff"].id,
                                electorate={"roles": ["representative"]}, excluded={world["rep2"].id: "本人提出的申请"})
        ballots.vote(ballot, world["rep"].id, ["yes"])
        ballots.close(ballot)
        db.session.commit()
        url = f"{PAGES}/{ballot.id}"
    page = browser_for(app, world["rep2"]).get(url).get_data(as_text=True)
    assert "本人提出的申请" in page and "您不参加这次表决" in page
    assert 'aria-live="polite"' in page and "通过" in page and "李奶奶: 赞成" in page


def test_the_create_form_opens_a_question_and_tells_mistakes_beside_the_fields(app, world):
    council = browser_for(app, world["council"])
    assert council.get(f"{PAGES}/new").status_code == 200
    bad = council.post(f"{PAGES}/new", data={"title": "", "kind": "yes_no", "closes_at": "2026-12-08T18:00",
                                            "quorum_pct": "150", "threshold": "majority", "roles": "council"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert 'id="quorum_pct-error"' in text and 'id="title-error"' in text
    good = council.post(f"{PAGES}/new", data={"title": "下月活动选哪个？", "kind": "choice",
                                             "options": "包饺子\n健康讲座\n书法课", "max_choices": "2",
                                             "closes_at": "2026-12-08T18:00", "quorum_pct": "50",
                                             "threshold": "majority", "roles": ["council", "representative"]})
    assert good.status_code == 302, good.get_data(as_text=True)
    page = council.get(good.headers["Location"]).get_data(as_text=True)
    assert "最多选择2项。" in page and 'type="checkbox" name="choices"' in page
    assert browser_for(app, world["resident"]).get(f"{PAGES}/new").status_code == 403


@pytest.mark.parametrize("kind", ["index", "show"])
def test_the_pages_send_the_same_queries_for_few_and_many(app, world, count_sql, kind, clock):
    """More ballots on the list, more voters (with votes) on a ballot's page: the same statements."""
    staff = browser_for(app, world["staff"])
    counted = []
    for n in (2, 12):
        voters = [member(world["community"], "representative", name=f"代表{n}-{i}") for i in range(n)]
        with tenant_context(world["community"].id):
            for i in range(n):
                last = ballots.create(subject_type="question", subject_id=None, title=f"议题{n}-{i}",
                                      closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ), actor_id=world["staff"].id,
                                      electorate={"roles": ["representative", "council"]})
                for voter in voters:
                    ballots.vote(last, voter.id, ["yes"])
                ballots.record_paper_vote(last, world["rep"].id, ["no"], actor_id=world["staff"].id)
                if i == 0:
                    ballots.close(last)
            db.session.commit()
            last_id = last.id
        url = PAGES + "/" if kind == "index" else f"{PAGES}/{last_id}"
        staff.get(url)
        with count_sql() as statements:
            assert staff.get(url).status_code == 200
        counted.append(statements())
    assert counted[0] == counted[1], counted
