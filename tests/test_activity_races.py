"""Sign-ups racing for the last places of an activity: never more people holding a place than it has, a freed
place offered to one waiting person only, and one person signing up twice at once gets one registration.
Each thread has its own session and transaction (tests/concurrency.py), on SQLite and on PostgreSQL."""
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.activities import services as activities
from app.activities.models import HOLDING, Activity, Registration
from app.core.extensions import db
from app.notifications.models import OutboxEvent
from app.residents import services as residents
from tenants.context import tenant_context
from tests.concurrency import in_threads
from tests.factories import CommunityFactory, member

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def crowd(app, clock):
    clock(2026, 11, 30, 10)  # Monday 30 November 2026, 10:00 in Shanghai
    community = CommunityFactory(slug="crowd", name="柳荫社区")
    staff = member(community, "admin", "coordinator", name="陈晓燕")
    with tenant_context(community.id):
        people = [residents.create_resident({"name": f"居民{i:02d}", "phone": f"1390000{i:04d}"}, actor_id=staff.id)
                  for i in range(23)]
        lecture = activities.propose(actor_id=staff.id, kind="training", title="健康讲座：冬季防跌倒",
                                     starts_at=datetime(2026, 12, 10, 9, tzinfo=TZ),
                                     ends_at=datetime(2026, 12, 10, 11, tzinfo=TZ), capacity=5, audience="residents")
        activities.approve(lecture, actor_id=staff.id)
        activities.set_place(lecture, "社区广场", actor_id=staff.id)
        db.session.commit()
        yield {"community": community, "staff": staff.id, "people": [p.id for p in people], "activity": lecture.id}


def _sign_up(crowd):
    def work(resident_id):
        registration = activities.sign_up(activities.get_activity(crowd["activity"]), actor_id=crowd["staff"],
                                          resident=residents.get_resident(resident_id))
        return registration.status
    return work


def _state(crowd):
    """(statuses by resident, the counter `taken`)."""
    db.session.expire_all()
    rows = db.session.execute(select(Registration.resident_id, Registration.status)
                              .where(Registration.activity_id == crowd["activity"])).all()
    taken = db.session.execute(select(Activity.taken).where(Activity.id == crowd["activity"])).scalar_one()
    return rows, taken


def test_twenty_people_racing_for_five_places_leave_five_registered_and_fifteen_waiting(app, crowd):
    results = in_threads(app, crowd["community"].id, _sign_up(crowd), crowd["people"][:20])
    assert Counter(results) == {"registered": 5, "waiting": 15}, results
    with tenant_context(crowd["community"].id):
        rows, taken = _state(crowd)
        assert Counter(status for _r, status in rows) == {"registered": 5, "waiting": 15}
        assert taken == 5
        assert len({resident for resident, _s in rows}) == 20  # everyone once


def test_cancellations_racing_sign_ups_offer_each_freed_place_to_one_waiting_person(app, crowd):
    with tenant_context(crowd["community"].id):
        activity = activities.get_activity(crowd["activity"])
        first_ten = [activities.sign_up(activity, actor_id=crowd["staff"], resident=residents.get_resident(r))
                     for r in crowd["people"][:10]]
        db.session.commit()
        assert [r.status for r in first_ten] == ["registered"] * 5 + ["waiting"] * 5
        cancelling = [r.id for r in first_ten[:3]]
        waiting_in_order = [r.resident_id for r in first_ten[5:]]
    newcomers = crowd["people"][10:13]

    def work(item):
        kind, ident = item
        if kind == "cancel":
            return activities.cancel_registration(activities.get_registration(ident),
                                                  actor_id=crowd["staff"]).status
        return _sign_up(crowd)(ident)

    results = in_threads(app, crowd["community"].id, work,
                         [("cancel", c) for c in cancelling] + [("join", n) for n in newcomers])
    # The newcomers find every place held (the freed ones are kept for the list) and wait.
    assert Counter(results) == {"cancelled": 3, "waiting": 3}, results
    with tenant_context(crowd["community"].id):
        rows, taken = _state(crowd)
        status = dict(rows)
        holding = [r for r, s in rows if s in HOLDING]
        assert len(holding) == taken == 5  # never more than the capacity, and the counter agrees
        offered = [r for r, s in rows if s == "offered"]
        # The three first on the list, each offered once; the rest and the newcomers still wait.
        assert sorted(offered) == sorted(waiting_in_order[:3])
        assert [status[r] for r in waiting_in_order[3:] + newcomers] == ["waiting"] * 5
        told = [e.payload["name"] for e in db.session.execute(
            select(OutboxEvent).where(OutboxEvent.event == "registration.offered")).scalars()]
        assert len(told) == len(set(told)) == 3


def test_the_same_person_signing_up_twice_at_once_is_registered_once(app, crowd):
    someone = crowd["people"][0]
    results = in_threads(app, crowd["community"].id, _sign_up(crowd), [someone, someone])
    assert sorted(results) == ["already_registered", "registered"], results
    with tenant_context(crowd["community"].id):
        rows, taken = _state(crowd)
        assert rows == [(someone, "registered")] and taken == 1
