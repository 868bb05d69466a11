"""Real concurrency for tests: the same work in several threads at once, each its own session and transaction."""
import threading

from app.core.database import retry_when_locked
from app.core.extensions import db
from app.core.validation import Conflict
from tenants.context import tenant_context


def in_threads(app, community_id, work, items):
    """Run work(item) in one thread per item, each with its own app context, session and transaction,
    released together; returns what each returned (or the error code / exception it raised)."""
    results, barrier = [], threading.Barrier(len(items), timeout=30)

    def run(item):
        context = app.app_context()
        context.push()
        try:
            with tenant_context(community_id):
                barrier.wait()

                @retry_when_locked
                def attempt():
                    value = work(item)
                    db.session.commit()
                    return value

                try:
                    results.append(attempt())
                except Conflict as exc:
                    db.session.rollback()
                    results.append(exc.code)
                except Exception as exc:  # surfaces in the assertion instead of dying silently in a thread
                    db.session.rollback()
                    results.append(repr(exc))
        finally:
            context.pop()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
