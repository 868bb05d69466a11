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
    assert 'aria-live="polite"' in page and "通过" in page and "李奶奶：赞成" in page


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


def _open_question(world, **extra):
    with tenant_context(world["community"].id):
        ballot = ballots.create(**{"subject_type": "question", "subject_id": None, "title": "是否同意周六开放活动室？",
                                   "closes_at": datetime(2026, 12, 8, 18, tzinfo=TZ), "actor_id": world["staff"].id,
                                   "electorate": {"roles": ["council", "representative"]}} | extra)
        db.session.commit()
        return ballot.id


def test_a_paper_vote_never_replaces_a_members_own_vote(app, client, world):
    ballot_id = _open_question(world)
    url = f"{PAGES}/{ballot_id}"
    rep = token_for(client, world["rep"])
    assert client.post(f"{API}/{ballot_id}/votes", json={"choices": ["yes"]}, headers=rep).status_code == 201
    staff_api = token_for(client, world["staff"])
    over = client.post(f"{API}/{ballot_id}/paper-votes", json={"voter_id": str(world["rep"].id), "choices": ["no"]},
                       headers=staff_api)
    assert over.status_code == 409
    assert over.get_json()["error"]["message"] == "该成员已经投过票，不能代为登记。"
    staff = browser_for(app, world["staff"])
    refused = staff.post(f"{url}/paper-votes", data={"voter_id": world["rep"].id, "choices": "no"})
    assert refused.status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert "该成员已经投过票，不能代为登记。" in page
    # The select offers only those who have not voted.
    select_html = page.split('id="voter_id"')[1].split("</select>")[0]
    assert "李奶奶" not in select_html and "孙大爷" in select_html and "已投票" not in select_html
    with tenant_context(world["community"].id):
        ballot = ballots.get(ballot_id)
        assert ballots.choices_of(ballot, world["rep"].id) == ["yes"]
        assert ballots.participation(ballot, world["rep"].id).recorded_by_id is None
    # The member may still change their own vote.
    assert client.post(f"{API}/{ballot_id}/votes", json={"choices": ["no"]}, headers=rep).status_code == 201


def test_a_ballot_past_its_close_shows_its_result_without_the_job(app, client, world, clock):
    from app.notifications.models import OutboxEvent
    ballot_id = _open_question(world)
    rep = token_for(client, world["rep"])
    assert client.post(f"{API}/{ballot_id}/votes", json={"choices": ["yes"]}, headers=rep).status_code == 201
    clock(2026, 12, 8, 18, 5)  # past the close; no job has run
    page = browser_for(app, world["rep2"]).get(f"{PAGES}/{ballot_id}").get_data(as_text=True)
    assert 'id="result-h"' in page and '<span class="badge">投票中' not in page and 'name="choices"' not in page
    got = client.get(f"{API}/{ballot_id}", headers=rep).get_json()
    assert got["status"] == "closed" and got["outcome"] == "no_quorum"
    assert client.get(f"{API}/{ballot_id}/results", headers=rep).status_code == 200
    with tenant_context(world["community"].id):
        assert ballots.close_due() == 0
        assert db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.result")).scalars() \
            .all().__len__() == 1


def test_the_results_and_the_list_close_a_due_ballot_on_read(app, client, world, clock):
    first, second = _open_question(world), _open_question(world, title="第二个问题")
    clock(2026, 12, 8, 18, 5)
    rep = token_for(client, world["rep"])
    assert client.get(f"{API}/{first}/results", headers=rep).get_json()["outcome"] == "no_quorum"
    listed = client.get(API, headers=rep).get_json()["items"]
    assert {b["id"]: b["status"] for b in listed} == {str(first): "closed", str(second): "closed"}


def test_a_draft_past_its_opening_opens_when_read(app, client, world, clock):
    ballot_id = _open_question(world, opens_at=datetime(2026, 12, 2, 9, tzinfo=TZ))
    rep = token_for(client, world["rep"])
    assert client.get(f"{API}/{ballot_id}", headers=rep).status_code == 403  # no electorate before opening
    clock(2026, 12, 2, 9, 1)
    got = client.get(f"{API}/{ballot_id}", headers=rep).get_json()
    assert got["status"] == "open" and got["mine"]["in_electorate"] is True


def test_the_veto_asks_to_confirm_and_says_how_it_differs_from_voting_against(app, world):
    ballot_id = _open_question(world, veto_limit=2)
    page = browser_for(app, world["rep"]).get(f"{PAGES}/{ballot_id}").get_data(as_text=True)
    assert "反对只是一票；否决是民意代表认为该单位可能借联合会谋私利时，说明理由后叫停，2 位代表否决即终止。" in page
    veto_form = page.split(f'action="{PAGES}/{ballot_id}/veto"')[1].split(">")[0]
    assert 'data-confirm="确定否决这次表决吗？否决后不能撤回。"' in veto_form


def test_the_vetoes_and_the_votes_use_the_full_width_colon(app, client, world):
    ballot_id = _open_question(world, veto_limit=1)
    rep = token_for(client, world["rep"])
    assert client.post(f"{API}/{ballot_id}/veto", json={"reason": "借互助做广告"}, headers=rep).status_code == 201
    page = browser_for(app, world["rep"]).get(f"{PAGES}/{ballot_id}").get_data(as_text=True)
    assert "李奶奶：借互助做广告" in page and "结果：被否决" in page and "李奶奶: " not in page
    history = page.split('id="history-h"')[1].split("</ol>")[0]
    assert "已结束 · 被否决" in history and "vetoed" not in history


def test_the_free_question_form_tells_every_problem_at_once(app, client, world):
    council = browser_for(app, world["council"])
    bad = council.post(f"{PAGES}/new", data={"title": "", "kind": "choice", "options": "",
                                            "closes_at": "2026-12-08T18:00", "opens_at": "2026-12-09T08:00",
                                            "quorum_pct": "150", "threshold": "majority", "roles": "council"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    for field in ("title", "quorum_pct", "options", "closes_at"):
        assert f'id="{field}-error"' in text, field
    staff = token_for(client, world["staff"])
    api = client.post(API, json={"title": "是否同意？", "closes_at": "2026-12-08T18:00:00+08:00", "quorum_pct": 150},
                      headers=staff)
    assert api.status_code == 422
    assert set(api.get_json()["error"]["fields"]) == {"quorum_pct", "roles"}


def test_the_free_question_form_has_large_controls_and_hides_the_options_for_yes_no(app, world):
    page = browser_for(app, world["council"]).get(f"{PAGES}/new").get_data(as_text=True)
    assert 'class="panel ballot-form"' in page and 'data-switch="kind"' in page
    assert 'data-when="kind=choice"' in page.split('name="options"')[0].rsplit("<fieldset", 1)[-1] \
        or '<div data-when="kind=choice">' in page
    assert 'class="hint no-script"' in page  # without script both show, with this hint
    css = (app.static_folder + "/css/app.css")
    with open(css, encoding="utf-8") as f:
        assert ".ballot-form label.check input[type=\"radio\"]" in f.read()


def test_the_list_names_the_other_open_ballots(app, world):
    _open_question(world, electorate={"roles": ["representative"]})
    page = browser_for(app, world["staff"]).get(f"{PAGES}/").get_data(as_text=True)
    assert "其他进行中的表决" in page and "查看 (" not in page


def test_the_voters_are_listed_in_pinyin_order(app, client, world):
    ballot_id = _open_question(world)
    staff = browser_for(app, world["staff"])
    page = staff.get(f"{PAGES}/{ballot_id}").get_data(as_text=True)
    voters = page.split('id="electorate-h"')[1].split("</ul>")[0]
    assert voters.index("李奶奶") < voters.index("孙大爷") < voters.index("赵理事")  # li < sun < zhao
    select_html = page.split('id="voter_id"')[1].split("</select>")[0]
    assert select_html.index("李奶奶") < select_html.index("孙大爷") < select_html.index("赵理事")


def test_the_api_answers_ids_as_strings(app, client, world, clock):
    staff = token_for(client, world["staff"])
    made = _question(client, staff).get_json()
    assert isinstance(made["id"], str) and made["subject_id"] is None
    rep = token_for(client, world["rep"])
    cast = client.post(f"{API}/{made['id']}/votes", json={"choices": ["yes"]}, headers=rep).get_json()
    assert cast["ballot_id"] == made["id"]
    paper = client.post(f"{API}/{made['id']}/paper-votes", json={"voter_id": str(world["rep2"].id),
                                                                 "choices": ["no"]}, headers=staff)
    assert paper.status_code == 201, paper.get_json()
    clock(2026, 12, 8, 18, 5)
    result = client.get(f"{API}/{made['id']}/results", headers=rep).get_json()
    assert result["ballot_id"] == made["id"]
    assert {v["user_id"] for v in result["votes"]} == {str(world["rep"].id), str(world["rep2"].id)}


def test_the_history_starts_with_the_ballot_put_to_the_vote(app, world):
    ballot_id = _open_question(world)
    page = browser_for(app, world["staff"]).get(f"{PAGES}/{ballot_id}").get_data(as_text=True)
    history = page.split('id="history-h"')[1].split("</ol>")[0]
    assert "已发起 · 陈协调" in history and "尚未开始" not in history


def test_the_council_home_no_longer_waits_for_a_ballot_past_its_close(app, world, clock):
    _open_question(world)
    rep = browser_for(app, world["rep"])
    assert "是否同意周六开放活动室？" in rep.get("/c/vote/home/council").get_data(as_text=True)
    clock(2026, 12, 8, 18, 5)
    answer = browser_for(app, world["rep"]).get("/c/vote/home/council")  # a week on: logged in again
    assert answer.status_code == 200
    home = answer.get_data(as_text=True)
    waiting = "".join(part.split("</section>")[0] for part in home.split('id="home-ballots-h"')[1:])
    assert "是否同意周六开放活动室？" not in waiting
    with tenant_context(world["community"].id):
        assert ballots.close_due() == 0
