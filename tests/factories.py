"""factory_boy factories and small helpers to set up communities, people and units."""
import re

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from app.accounts.models import User
from app.core.extensions import db
from app.members import services as members
from app.units.models import Unit
from app.units.services import sort_key
from tenants.context import tenant_context
from tenants.models import Community

PASSWORD = "correct-horse-7"
# Hashing once keeps the suite fast; every factory user shares this password.
_HASH = None


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = generate_password_hash(PASSWORD, method="scrypt")
    return _HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class CommunityFactory(Base):
    class Meta:
        model = Community

    slug = factory.Sequence(lambda n: f"c{n}")
    name = factory.Sequence(lambda n: f"社区{n}")
    status = "active"


class UserFactory(Base):
    class Meta:
        model = User

    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.Sequence(lambda n: f"user{n}@test.example")
    password_hash = factory.LazyFunction(password_hash)
    # No quiet hours (start == end), so a test's messages go out whatever the hour; the quiet-hours test sets them.
    quiet_start = 0
    quiet_end = 0


class UnitFactory(Base):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n:05d}")
    name_sort = factory.LazyAttribute(lambda o: sort_key(o.name))
    type = "shop"
    address = "柳荫街1号"
    contact_name = "张三"
    contact_phone = "13900000000"


def member(community: Community, *roles: str, user: User | None = None, **user_fields) -> User:
    """A user with roles in the community (a new user unless one is given)."""
    user = user or UserFactory(**user_fields)
    with tenant_context(community.id):
        members.add_member(user, list(roles) or ["resident"])
        db.session.commit()
    return user


def units(community: Community, n: int, **fields) -> list[Unit]:
    with tenant_context(community.id):
        made = [UnitFactory(**fields) for _ in range(n)]
        ids = [u.id for u in made]
    return ids


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A test client that logs in through the form and sends the CSRF token like a browser."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        if response.mimetype != "text/html":
            return response  # a download has no form in it
        match = CSRF_RE.search(response.get_data(as_text=True))
        if match:
            self.csrf = match.group(1)
        return response

    def post(self, url, data=None, **kw):
        if self.csrf is None:
            self.get("/login")
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf)
        return self.client.post(url, data=data, **kw)

    def login(self, user_or_login, password: str = PASSWORD):
        login = user_or_login if isinstance(user_or_login, str) else (user_or_login.email or user_or_login.phone)
        self.get("/login")
        response = self.client.post("/login", data={"login": login, "password": password, "csrf_token": self.csrf})
        self.get("/account")
        return response


def token_for(client, user: User, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/tokens", json={"email": user.email or user.phone, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
