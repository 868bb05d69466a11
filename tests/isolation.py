"""Requests in their own app context, as in production.

The conftest `app` fixture keeps an app context pushed for the whole test, and Flask reuses a pushed
context for each test-client request. Then `g` (Flask-Login's cached user, Flask-WTF's CSRF token)
and the database session carry over from one request, and one client, to the next: a second client
would look logged in as the first. These test modules run every request in a fresh context instead.
Use: `from tests.isolation import isolated_requests  # noqa: F401` (an autouse fixture).
"""
import contextvars

import pytest
from flask.testing import FlaskClient

from app.extensions import db


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        # The test's own session ends its transaction first (committing what the test set up), so it
        # holds no locks while the request runs: on PostgreSQL an idle transaction would block a TRUNCATE.
        db.session.commit()
        # An empty contextvars context has no app context, so the request pushes (and pops) its own.
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient
    yield
    app.test_client_class = None
