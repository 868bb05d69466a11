"""Named audiences: a higher domain lends the fan-out the people of an audience (a ballot's electorate), the
outbox row holds only the name and a few params, and the fan-out pages it in ascending batches, the few extra
users (a ballot's owners) merged in once. A name nobody registered fails its event, visibly, without a loop."""
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from app.accounts.models import User
from app.ballots import services as ballots
from app.ballots.models import BallotElector
from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import InboxEntry, OutboxEvent
from tenants.clock import utcnow
from tenants.context import tenant_context
from tenants.models import Membership, MembershipRole
from tests.factories import CommunityFactory, member

TZ = ZoneInfo("Asia/Shanghai")
PEOPLE: list[int] = []  # what the test audience below answers, set by each test


@notifications.audience("test_people")
def _people(params: dict, after_user_id: int, limit: int) -> list[int]:
    return [i for i in sorted(PEOPLE) if i > after_user_id and i % params.get("every", 1) == 0][:limit]


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(notifications, "BATCH", 3)


def test_batches_come_in_ascending_order_with_the_extra_users_merged_once(small_batches):
    PEOPLE[:] = [2, 4, 6, 8, 10, 12, 14]
    audience = notifications.to_named("test_people", user_ids=[1, 4, 7, 13, 20, 20], every=2)
    assert audience == {"named": "test_people", "params": {"every": 2}, "user_ids": [1, 4, 7, 13, 20]}
    batches = list(notifications._recipient_batches(audience))
    # Pages of three from the resolver; each extra id joins the page whose range holds it, the rest the last.
    assert batches == [[1, 2, 4, 6], [7, 8, 10, 12], [13, 14, 20]]
    flat = [i for b in batches for i in b]
    assert flat == sorted(set(flat))


def test_a_full_last_page_still_takes_the_extra_users_after_it(small_batches):
    PEOPLE[:] = [2, 4, 6]
    assert list(notifications._recipient_batches(notifications.to_named("test_people", user_ids=[9]))) \
        == [[2, 4, 6], [9]]
    PEOPLE[:] = []
    assert list(notifications._recipient_batches(notifications.to_named("test_people", user_ids=[5, 3]))) \
        == [[3, 5]]
    assert list(notifications._recipient_batches(notifications.to_named("test_people"))) == []


def test_names_are_registered_once_and_only_registered_names_are_emitted():
    with pytest.raises(ValueError):
        notifications.audience("test_people")(lambda params, after, limit: [])
    with pytest.raises(KeyError):
        notifications.to_named("nobody_registered_this")


def test_a_named_audience_reaches_each_person_once(app, drain, small_batches):
    community = CommunityFactory(slug="named")
    people = [member(community, "resident") for _ in range(7)]
    owner = member(community, "admin")
    drain()
    PEOPLE[:] = [p.id for p in people]
    with tenant_context(community.id):
        notifications.emit("announcement", payload={"title": "停水通知", "body": "明天上午停水"},
                           audience=notifications.to_named("test_people", user_ids=[owner.id, people[3].id]))
        db.session.commit()
    drain()
    with tenant_context(community.id):
        event = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "announcement")).scalar_one()
        assert event.status == "done" and event.recipients == 8
        told = sorted(db.session.execute(select(InboxEntry.user_id).where(InboxEntry.event_id == event.id)).scalars())
        assert told == sorted(PEOPLE + [owner.id])


def test_an_unknown_audience_fails_its_event_with_no_recipient_and_the_worker_goes_on(app, drain, caplog):
    community = CommunityFactory(slug="lost")
    someone = member(community, "resident")
    drain()
    with tenant_context(community.id):
        # An event written by a version that had this audience (or a typo): nothing in the process resolves it.
        lost = notifications.emit("announcement", payload={"title": "通知", "body": "内容"},
                                  audience={"named": "gone_away", "params": {}, "user_ids": [someone.id]})
        fine = notifications.emit("announcement", payload={"title": "通知", "body": "内容"},
                                  audience=notifications.to_users(someone.id))
        lost_id, fine_id = lost.id, fine.id
        db.session.commit()
    with caplog.at_level(logging.ERROR, logger="app.notifications.services"):
        drain()
    assert any("gone_away" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    with tenant_context(community.id):
        lost, fine = (db.session.get(OutboxEvent, i) for i in (lost_id, fine_id))
        assert (lost.status, lost.recipients) == ("failed", 0)
        assert (fine.status, fine.recipients) == ("done", 1)
        assert notifications.sweep()["events"] == 0  # the sweeper does not pick the failed event up again
        assert notifications.fan_out(lost_id) == 0


def test_the_closing_transaction_names_a_large_electorate_instead_of_listing_it(app, drain, clock, count_sql):
    clock(2026, 12, 1, 10)
    community = CommunityFactory(slug="big")
    staff = member(community, "admin", "coordinator")
    voters = 1200  # more than two fan-out batches
    db.session.execute(insert(User), [{"name": f"代表{i}", "email": f"rep{i}@big.example", "password_hash": "!",
                                       "active": True, "large_text": False} for i in range(voters)])
    ids = list(db.session.execute(select(User.id).where(User.email.like("rep%@big.example"))).scalars())
    with tenant_context(community.id):
        db.session.execute(insert(Membership), [{"user_id": u, "created_at": utcnow()} for u in ids])
        memberships = db.session.execute(select(Membership.id).where(Membership.user_id.in_(ids))).scalars()
        db.session.execute(insert(MembershipRole), [{"membership_id": m, "role": "representative"}
                                                    for m in memberships])
        db.session.commit()
        ballot = ballots.create(subject_type="question", subject_id=None, title="是否同意周六开放活动室？",
                                electorate={"roles": ["representative"]}, owner_ids=[staff.id],
                                excluded={ids[0]: "本人申请"}, actor_id=staff.id,
                                closes_at=datetime(2026, 12, 8, 18, tzinfo=TZ))
        for voter in ids[1:10]:
            ballots.vote(ballot, voter, ["yes"])
        ballot_id = ballot.id
        db.session.commit()
    drain()
    clock(2026, 12, 8, 18, 1)
    with tenant_context(community.id):
        with count_sql() as n:
            assert ballots.close_due() == 1
            db.session.flush()
        assert not any("aggregate" in s.lower() or "group_concat" in s.lower() or "string_agg" in s.lower()
                       for s in n.statements)
        db.session.commit()
        row = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.result")).scalar_one()
        stored = json.dumps(row.audience)
        assert len(stored) < 200, stored  # the name, the ballot and the owner: no list of 1,200 electors
        assert row.audience["user_ids"] == [staff.id]
        assert db.session.execute(select(func.count()).select_from(BallotElector)
                                  .where(BallotElector.ballot_id == ballot_id)).scalar_one() == voters
    drain()
    with tenant_context(community.id):
        row = db.session.execute(select(OutboxEvent).where(OutboxEvent.event == "ballot.result")).scalar_one()
        told = db.session.execute(select(func.count(func.distinct(InboxEntry.user_id)))
                                  .where(InboxEntry.event_id == row.id)).scalar_one()
        # Every elector, the excluded one too, and the owner: once each.
        assert row.status == "done" and row.recipients == told == voters + 1
