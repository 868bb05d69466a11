"""The ballot engine: the electorate frozen at opening, one vote per voter, quorum and threshold, secrecy in the
tables' shape, vetoes, paper votes audited, and a close that computes the result once."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from app.ballots import services as ballots
from app.ballots.models import Ballot, BallotElector, BallotOption, BallotParticipation, BallotVote
from app.core import signals
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.validation import Conflict, ValidationFailed
from app.history import StatusChange
from app.notifications.models import InboxEntry, OutboxEvent
from app.residents.models import AuditEvent
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import CommunityFactory, member

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def gov(app, clock):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug="gov", name="柳荫社区")
    people = {
        "staff": member(community, "admin", "coordinator", name="陈协调"),
        "council": [member(community, "council", name=f"理事{i}") for i in range(2)],
        "reps": [member(community, "representative", name=f"代表{i}") for i in range(4)],
        "resident": member(community, "resident", name="王大爷"),
    }
    return {"community": community, **people}


def _ballot(gov, **options):
    defaults = dict(subject_type="question", subject_id=None, title="是否更换社区食堂的供应商？", body="",
                    kind="yes_no", electorate={"roles": ["council", "representative"], "user_ids": []},
                    closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ), quorum_pct=50, threshold="majority",
                    actor_id=gov["staff"].id)
    return ballots.create(**(defaults | options))


def _ids(gov):
    return [u.id for u in gov["council"] + gov["reps"]]


def _told(event_name: str) -> list[int]:
    """Who found the event in their inbox (after the fan-out ran), ascending."""
    return sorted(db.session.execute(select(InboxEntry.user_id).join(OutboxEvent, OutboxEvent.id == InboxEntry.event_id)
                                     .where(OutboxEvent.event == event_name)).scalars())


def test_a_ballot_opened_now_freezes_its_electorate_and_tells_it(app, gov, drain):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov, excluded={gov["reps"][0].id: "代表本人的单位提出申请"})
        db.session.commit()
        assert ballot.status == "open"
        rows = db.session.execute(select(BallotElector.user_id, BallotElector.excluded_reason)
                                  .where(BallotElector.ballot_id == ballot.id)).all()
        assert sorted(u for u, _r in rows) == sorted(_ids(gov))
        assert dict(rows)[gov["reps"][0].id] == "代表本人的单位提出申请"
        # A representative appointed afterwards is not in this ballot's electorate.
    late = member(gov["community"], "representative", name="新代表")
    with tenant_context(gov["community"].id):
        assert ballot.elector(late.id) is None
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.opened")).scalar_one()
        assert event.audience["named"] == "ballot_electorate" and not event.audience["user_ids"]
        assert (ballot.voters, ballot.excluded_count) == (len(_ids(gov)) - 1, 1)  # counted once, at opening
    drain()
    with tenant_context(gov["community"].id):
        told = set(db.session.execute(select(InboxEntry.user_id).where(InboxEntry.event_id == event.id)).scalars())
        assert told == set(_ids(gov)) - {gov["reps"][0].id}  # the excluded member is not asked to vote
        changes = [(c.from_status, c.to_status) for c in ballots.history_of(ballot)]
        assert changes == [(None, "draft"), ("draft", "open")]


def test_bad_settings_are_refused_with_every_field_named(app, gov):
    with tenant_context(gov["community"].id):
        with pytest.raises(ValidationFailed) as err:
            _ballot(gov, quorum_pct=101, closes_at=datetime(2026, 11, 30, tzinfo=TZ), title=" ")
        assert set(err.value.fields) == {"quorum_pct", "closes_at", "title"}
        with pytest.raises(ValidationFailed) as err:
            _ballot(gov, opens_at=datetime(2026, 12, 5, tzinfo=TZ), closes_at=datetime(2026, 12, 4, tzinfo=TZ))
        assert set(err.value.fields) == {"closes_at"}
        with pytest.raises(ValidationFailed) as err:
            _ballot(gov, kind="choice", options=["甲"], max_choices=2)
        assert set(err.value.fields) == {"options", "max_choices"}


def _vote_all(ballot, voters, choice):
    for user in voters:
        ballots.vote(ballot, user.id, [choice])


def _result(gov, **options):
    """Six voters (two council, four representatives): cast the given votes, close, return the result."""
    votes = options.pop("votes")
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov, **options)
        people = gov["council"] + gov["reps"]
        for user, choice in zip(people, votes, strict=False):
            ballots.vote(ballot, user.id, [choice])
        assert ballots.close(ballot)
        db.session.commit()
        return ballot.result


@pytest.mark.parametrize(("votes", "options", "outcome", "quorum_met"), [
    (["yes", "yes", "no"], {}, "approved", True),  # exactly at the quorum: 3 of 6 is half
    (["yes", "yes"], {}, "no_quorum", False),
    (["yes", "no", "abstain", "abstain"], {}, "rejected", True),  # a tie is not a majority
    (["abstain"] * 6, {}, "rejected", True),  # all abstain: quorum met, not approved
    (["yes", "yes", "no", "abstain"], {"threshold": "two_thirds"}, "approved", True),  # two thirds exactly
    (["yes", "yes", "no", "no", "yes"], {"threshold": "two_thirds"}, "rejected", True),  # 3 of 5 < 2/3
    (["yes", "yes"], {"secret": True, "quorum_pct": 30}, "approved", True),
])
def test_quorum_and_threshold(app, gov, votes, options, outcome, quorum_met):
    result = _result(gov, votes=votes, **options)
    assert (result["outcome"], result["quorum_met"]) == (outcome, quorum_met)
    assert result["turnout"] == len(votes) and result["electorate"] == 6
    tallies = {t["key"]: t["votes"] for t in result["tallies"]}
    assert tallies == {k: votes.count(k) for k in ("yes", "no", "abstain")}


def test_excluded_members_are_listed_cannot_vote_and_are_not_in_the_quorum(app, gov):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov, excluded={gov["reps"][0].id: "本单位的申请"}, quorum_pct=60)
        with pytest.raises(ApiError) as err:
            ballots.vote(ballot, gov["reps"][0].id, ["yes"])
        assert err.value.code == 403 and "本单位的申请" in err.value.message
        with pytest.raises(ApiError):
            ballots.vote(ballot, gov["resident"].id, ["yes"])  # not in the electorate
        _vote_all(ballot, [gov["council"][0], gov["council"][1], gov["reps"][1]], "yes")
        ballots.close(ballot)
        assert ballot.result["electorate"] == 5 and ballot.result["excluded"] == 1
        assert ballot.result["quorum_met"] and ballot.outcome == "approved"  # 3 of 5 = 60 %


def test_votes_before_opening_and_after_closing_are_conflicts(app, gov, clock):
    with tenant_context(gov["community"].id):
        draft = _ballot(gov, opens_at=datetime(2026, 12, 2, 9, tzinfo=TZ))
        assert draft.status == "draft"
        with pytest.raises(Conflict):
            ballots.vote(draft, gov["reps"][1].id, ["yes"])
        db.session.commit()
    clock(2026, 12, 2, 9, 5)
    with tenant_context(gov["community"].id):
        assert ballots.run_due()["opened"] == 1
        db.session.commit()
        ballots.vote(draft, gov["reps"][1].id, ["yes"])
        db.session.commit()
    clock(2026, 12, 8, 18, 1)
    with tenant_context(gov["community"].id):
        with pytest.raises(Conflict):  # past its time, before the job came by
            ballots.vote(draft, gov["reps"][2].id, ["yes"])
        db.session.rollback()
        assert ballots.run_due()["closed"] == 1
        with pytest.raises(Conflict):
            ballots.vote(draft, gov["reps"][2].id, ["yes"])


def test_the_closing_job_run_twice_gives_one_result_one_signal_and_one_message(app, gov, clock, drain):
    seen = []

    def heard(sender, **kw):
        seen.append((sender.id, kw["outcome"], kw["subject_type"]))

    signals.ballot_closed.connect(heard)
    try:
        with tenant_context(gov["community"].id):
            ballot = _ballot(gov, owner_ids=[gov["resident"].id])
            _vote_all(ballot, gov["reps"][:3], "yes")
            ballot_id = ballot.id
            db.session.commit()
        clock(2026, 12, 8, 18, 0)
        with tenant_context(gov["community"].id):
            assert ballots.close_due() == 1
            db.session.commit()
            assert ballots.close_due() == 0
            assert ballots.close(ballot) is False
            db.session.commit()
            results = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.result")).scalars()
            results = list(results)
            assert len(results) == 1
            # The row names the electorate (and the owner) instead of listing it; the fan-out finds them all once.
            assert results[0].audience == {"named": "ballot_electorate", "user_ids": [gov["resident"].id],
                                           "params": {"ballot_id": ballot_id, "with_excluded": True,
                                                      "not_voted": False}}
        drain()
        with tenant_context(gov["community"].id):
            assert _told("ballot.result") == sorted(_ids(gov) + [gov["resident"].id])
            closes = db.session.execute(select(func.count()).select_from(StatusChange).where(
                StatusChange.to_status == "closed")).scalar_one()
            assert closes == 1
    finally:
        signals.ballot_closed.disconnect(heard)
    assert seen == [(ballot_id, "approved", "question")]


def test_an_open_vote_may_change_until_closing_and_shows_who_voted_what_after(app, gov):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov)
        rep = gov["reps"][1]
        ballots.vote(ballot, rep.id, ["no"])
        ballots.vote(ballot, rep.id, ["yes"])
        assert ballots.choices_of(ballot, rep.id) == ["yes"]
        assert ballots.votes_by_voter(ballot) == []  # nothing before closing
        ballots.close(ballot)
        assert [(v["name"], [c["key"] for c in v["choices"]]) for v in ballots.votes_by_voter(ballot)] == \
            [("代表1", ["yes"])]


def test_a_secret_ballot_stores_no_row_that_links_a_voter_to_a_choice(app, gov):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov, secret=True, kind="choice", options=["甲方案", "乙方案", "丙方案"], max_choices=2)
        ballots.vote(ballot, gov["reps"][0].id, ["1", "2"])
        ballots.vote(ballot, gov["reps"][1].id, ["3"])
        db.session.commit()
        with pytest.raises(Conflict):
            ballots.vote(ballot, gov["reps"][1].id, ["1"])  # cannot be changed
        db.session.rollback()
        with pytest.raises(Conflict):
            ballots.record_paper_vote(ballot, gov["reps"][2].id, ["1"], actor_id=gov["staff"].id)
        db.session.commit()
        assert db.session.execute(select(func.count()).select_from(BallotVote)).scalar_one() == 0
        # What the tables hold: participation (voter, no choice, no time) and counters (choice, no voter).
        part_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_participations")}
        option_columns = {c["name"] for c in inspect(db.engine).get_columns("ballot_options")}
        assert not part_columns & {"option_key", "choice", "at", "created_at", "voted_at"}
        assert not option_columns & {"user_id", "voter_id", "at", "created_at", "updated_at"}
        assert {k: v for k, v in db.session.execute(select(BallotOption.key, BallotOption.votes)
                                                   .where(BallotOption.ballot_id == ballot.id))} == \
            {"1": 1, "2": 1, "3": 1}
        assert db.session.execute(select(func.count()).select_from(BallotParticipation)).scalar_one() == 2
        ballots.close(ballot)
        assert [t["votes"] for t in ballot.result["tallies"]] == [1, 1, 1]
        assert ballots.votes_by_voter(ballot) == []


def test_vetoes_count_distinct_representatives_and_need_a_reason(app, gov):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov, veto_limit=2)
        db.session.commit()
        with pytest.raises(ValidationFailed) as err:
            ballots.veto(ballot, gov["reps"][0].id, "  ")
        assert "reason" in err.value.fields
        with pytest.raises(ApiError):
            ballots.veto(ballot, gov["council"][0].id, "理事不能否决")  # not a representative
        assert ballots.veto(ballot, gov["reps"][0].id, "该单位曾以互助名义推销商品") == 1
        db.session.commit()
        with pytest.raises(Conflict):
            ballots.veto(ballot, gov["reps"][0].id, "再说一次")
        db.session.rollback()
        assert ballot.status == "open"
        assert ballots.veto(ballot, gov["reps"][1].id, "同意上面的意见") == 2
        assert ballot.status == "closed" and ballot.outcome == "vetoed"
        assert ballot.result["vetoes"] == 2


def test_a_paper_vote_is_marked_with_who_recorded_it_and_audited(app, gov):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov)
        ballots.record_paper_vote(ballot, gov["reps"][3].id, ["yes"], actor_id=gov["staff"].id)
        db.session.commit()
        part = ballots.participation(ballot, gov["reps"][3].id)
        assert part.recorded_by_id == gov["staff"].id
        audit = db.session.execute(select(AuditEvent)).scalar_one()
        assert audit.action == "paper_vote" and audit.actor_id == gov["staff"].id
        assert f"ballot:{ballot.id}" in audit.field


def test_the_reminder_goes_once_to_those_who_have_not_voted(app, gov, clock, drain):
    with tenant_context(gov["community"].id):
        ballot = _ballot(gov)
        _vote_all(ballot, gov["reps"], "yes")
        db.session.commit()
    clock(2026, 12, 7, 19)
    with tenant_context(gov["community"].id):
        assert ballots.run_due() == {"opened": 0, "reminded": 1, "closed": 0}
        db.session.commit()
        assert ballots.run_due()["reminded"] == 0
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.closing")).scalar_one()
        assert event.audience["named"] == "ballot_electorate" and event.audience["params"]["not_voted"] is True
    drain()
    with tenant_context(gov["community"].id):
        assert _told("ballot.closing") == sorted(u.id for u in gov["council"])


def test_for_subject_finds_the_latest_ballot(app, gov):
    with tenant_context(gov["community"].id):
        first = _ballot(gov, subject_type="application", subject_id=42)
        second = _ballot(gov, subject_type="application", subject_id=42)
        assert ballots.for_subject("application", 42).id == second.id != first.id
        assert ballots.get(first.id).id == first.id
        assert db.session.get(Ballot, first.id) is not None


@pytest.mark.parametrize("secret", [False, True])
def test_the_same_voter_voting_twice_at_once_counts_once(app, gov, secret):
    with tenant_context(gov["community"].id):
        ballot_id = _ballot(gov, secret=secret).id
        db.session.commit()
    voter = gov["reps"][0].id
    results = in_threads(app, gov["community"].id,
                          lambda choice: ballots.vote(ballots.get(ballot_id), voter, [choice]), ["yes", "no"])
    if secret:
        assert sorted(map(str, results)) in (["['no']", "already_voted"], ["['yes']", "already_voted"]), results
    else:
        assert all(isinstance(r, list) for r in results), results
    with tenant_context(gov["community"].id):
        ballot = ballots.get(ballot_id)
        assert db.session.execute(select(func.count()).select_from(BallotParticipation)).scalar_one() == 1
        ballots.close(ballot)
        db.session.commit()
        assert ballot.result["turnout"] == 1
        assert sum(t["votes"] for t in ballot.result["tallies"]) == 1


@pytest.mark.parametrize("secret", [False, True])
def test_twenty_voters_at_once_give_exact_tallies(app, gov, secret):
    voters = [member(gov["community"], "representative", name=f"居民代表{i}") for i in range(20)]
    with tenant_context(gov["community"].id):
        ballot_id = _ballot(gov, secret=secret).id
        db.session.commit()
    plan = [(u.id, ("yes", "no", "abstain")[i % 3]) for i, u in enumerate(voters)]
    results = in_threads(app, gov["community"].id,
                          lambda item: ballots.vote(ballots.get(ballot_id), item[0], [item[1]]), plan)
    assert all(isinstance(r, list) for r in results), results
    with tenant_context(gov["community"].id):
        ballot = ballots.get(ballot_id)
        ballots.close(ballot)
        db.session.commit()
        tallies = {t["key"]: t["votes"] for t in ballot.result["tallies"]}
        assert tallies == {"yes": 7, "no": 7, "abstain": 6}
        assert ballot.result["turnout"] == 20
