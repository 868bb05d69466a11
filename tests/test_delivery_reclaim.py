"""A delivery cut by a worker's death is sent again within seconds, not after the five-minute lease.

Real Redis (RQ's worker registry and heartbeats), a real SMTP server and real `huzhu worker` processes.
The lease (DELIVERY_STALE_SECONDS) is left at its production length here, so anything delivered within
the test's time was taken back because its holder was found dead.
"""
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import SimpleWorker
from rq.utils import utcformat
from sqlalchemy import func, select

from app.core.extensions import db
from app.notifications import services as notifications
from app.notifications.models import Delivery, InboxEntry, OutboxEvent
from tenants.clock import utcnow
from tenants.context import tenant_context
from tests.conftest import PG_OWNER_URL
from tests.factories import CommunityFactory, member, token_for
from tests.services import WorkerProcess, wait_until

MID = re.compile(r"<huzhu-(\d+)-(\d+)-(\d+)-email@huzhu>")
ALIVE = 5  # seconds without a heartbeat before a worker counts as dead (15 in production)


@pytest.fixture
def app_config(redis_server, smtp):
    return {"REDIS_URL": redis_server.url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
            "DELIVERY_STALE_SECONDS": 300, "WORKER_ALIVE_SECONDS": ALIVE, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def workers(app, redis_server, smtp):
    started = []
    env = {"HUZHU_ENV": "testing", "SECRET_KEY": "test-secret", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": redis_server.url, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
           "DELIVERY_STALE_SECONDS": "300", "WORKER_ALIVE_SECONDS": str(ALIVE)}
    if PG_OWNER_URL and app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        env["DATABASE_OWNER_URL"] = PG_OWNER_URL

    def start():
        worker = WorkerProcess(env, queues=("notifications",)).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def registry(redis_server):
    """Workers in RQ's registry as a live one and a SIGKILLed one leave them (the latter stops beating)."""
    connection = Redis.from_url(redis_server.url)
    beating, stop = [], threading.Event()

    def live(name: str) -> SimpleWorker:
        worker = SimpleWorker(["notifications"], name=name, connection=connection)
        worker.register_birth()
        beating.append(worker)
        return worker

    def killed(name: str) -> SimpleWorker:
        worker = SimpleWorker(["notifications"], name=name, connection=connection)
        worker.register_birth()
        connection.hset(worker.key, "last_heartbeat", utcformat(datetime.now(UTC) - timedelta(minutes=2)))
        return worker

    def beat():
        while not stop.wait(0.5):
            for worker in beating:
                worker.heartbeat()

    thread = threading.Thread(target=beat, daemon=True)
    thread.start()
    yield live, killed
    stop.set()
    thread.join()


def _held_deliveries(holders: dict[str, tuple[str | None, int]]):
    """One member per claim, each delivery `sending` as a worker left it: {label: (claimed_by, age in s)}."""
    community = CommunityFactory(slug="held")
    admin = member(community, "admin", "coordinator")
    with notifications.muted():
        people = {label: member(community, "resident") for label in holders}
    with tenant_context(community.id):
        payload = {"title": "送餐改时间", "body": "今天午饭晚半小时", "announcement_id": 0, "link": "/"}
        event = OutboxEvent(event="announcement", audience=notifications.to_users(admin.id), status="done",
                            payload=payload)
        db.session.add(event)
        db.session.flush()
        ids = {}
        for label, (holder, age) in holders.items():
            delivery = Delivery(event_id=event.id, user_id=people[label].id, channel="email", status="sending",
                                attempts=1, claimed_by=holder, claimed_at=utcnow() - timedelta(seconds=age))
            db.session.add(delivery)
            db.session.flush()
            ids[label] = delivery.id
        db.session.commit()
    return community, {label: people[label].email for label in holders}, ids


def _held_mail(smtp) -> list[str]:
    """Recipients of the e-mails of the held deliveries' event (not the welcome mail of the admin)."""
    return sorted(m["to"] for m in smtp.messages if "送餐改时间" in m["subject"])


def _statuses(community_id: int, ids: dict[str, int]) -> dict[str, str]:
    with tenant_context(community_id):
        by_id = dict(db.session.execute(select(Delivery.id, Delivery.status)
                                        .where(Delivery.id.in_(ids.values()))).all())
    db.session.rollback()
    return {label: by_id[i] for label, i in ids.items()}


def _sweep(community_id: int) -> dict:
    with tenant_context(community_id):
        result = notifications.sweep()
        db.session.commit()
    return result


def test_the_sweeper_takes_back_at_once_what_a_dead_worker_held_and_leaves_a_live_workers_claim(
        app, smtp, registry, drain):
    live, killed = registry
    live("worker-alive")
    killed("worker-killed")
    community, emails, ids = _held_deliveries({
        "alive": ("worker-alive", 5), "killed": ("worker-killed", 5), "gone": ("worker-gone-from-registry", 5),
        "unknown": (None, 5), "other_process": ("process:elsewhere:4242", 5), "unknown_old": (None, 400)})

    result = _sweep(community.id)
    drain()

    assert result["cut"] == 3  # the killed worker's, the vanished worker's, and the one past the lease
    assert _statuses(community.id, ids) == {
        "alive": "sending",  # its worker is still sending it: sending it again would be a duplicate
        "killed": "sent", "gone": "sent",  # taken back at once: the lease is five minutes
        "unknown": "sending", "other_process": "sending",  # nobody can say these holders are dead: lease only
        "unknown_old": "sent"}  # the lease still frees what no one can vouch for
    assert _held_mail(smtp) == sorted([emails["killed"], emails["gone"], emails["unknown_old"]])


def test_a_starting_worker_takes_back_what_a_dead_worker_held(app, smtp, registry, workers):
    live, killed = registry
    live("worker-alive")
    killed("worker-killed")
    community, emails, ids = _held_deliveries({"alive": ("worker-alive", 5), "killed": ("worker-killed", 5)})

    workers()  # nobody runs the sweeper by hand: the new worker does at its start
    # On a loaded machine the process takes a while to import; "at its start" counts from its registration.
    connection = Redis.from_url(app.config["REDIS_URL"])
    wait_until(lambda: len(SimpleWorker.all(connection=connection)) > 2, 90, interval=0.2,
               what="the new worker to register")

    wait_until(lambda: _held_mail(smtp) == [emails["killed"]], 30, interval=0.2,
               what="the dead worker's delivery to be sent")
    assert _statuses(community.id, ids) == {"alive": "sending", "killed": "sent"}


def test_a_worker_killed_mid_announcement_and_restarted_delivers_everything_within_seconds(
        app, client, smtp, workers):
    community = CommunityFactory(slug="urgent")
    admin = member(community, "admin", "coordinator")
    with notifications.muted():
        people = [admin, *(member(community, "resident") for _ in range(199))]
    smtp.handler.delay = 0.01  # slow enough that the kill lands in the middle of sending
    first = workers()
    response = client.post("/api/v1/c/urgent/announcements", json={"title": "今天午饭停送", "body": "请自行安排"},
                           headers=token_for(client, admin))
    assert response.status_code == 201, response.get_json()
    db.session.rollback()
    with tenant_context(community.id):
        event_id = db.session.execute(select(OutboxEvent.id).where(OutboxEvent.event == "announcement")).scalar_one()
    db.session.rollback()

    def mails():
        return [m for m in smtp.messages if (g := MID.match(m["message_id"] or "")) and int(g[2]) == event_id]

    wait_until(lambda: len(mails()) >= 20, 60, interval=0.05, what="the first 20 e-mails")  # mid-chunk (of 50)
    first.kill()
    assert len(mails()) < 200, "the kill came too late to test anything"
    with tenant_context(community.id):
        cut = db.session.execute(select(func.count()).select_from(Delivery).where(
            Delivery.event_id == event_id, Delivery.status == "sending")).scalar_one()
    db.session.rollback()
    assert cut == 1, "the kill should leave the e-mail being sent in `sending`"
    restarted = datetime.now(UTC)
    workers()

    def unsent() -> int:
        with tenant_context(community.id):
            left = db.session.execute(select(func.count()).select_from(Delivery).where(
                Delivery.event_id == event_id, Delivery.status != "sent")).scalar_one()
        db.session.rollback()
        return left

    # Everyone has the e-mail, and the cut delivery is known sent too (its e-mail may have been accepted just
    # before the kill: then it goes once more, with the same Message-ID).
    wait_until(lambda: {m["to"] for m in mails()} >= {p.email for p in people} and unsent() == 0, 60,
               interval=0.5, what="every member's e-mail within 60 s of the restart, with the five-minute lease")
    assert datetime.now(UTC) - restarted < timedelta(seconds=60)
    with tenant_context(community.id):
        inbox = db.session.execute(select(InboxEntry.user_id).where(InboxEntry.event_id == event_id)).scalars().all()
    db.session.rollback()
    assert sorted(inbox) == sorted(p.id for p in people)  # one in-app notification each, none twice
    per_recipient = Counter(m["to"] for m in mails())
    assert sum(n - 1 for n in per_recipient.values()) <= 1, per_recipient.most_common(3)  # at most the one cut
