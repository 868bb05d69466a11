"""factory_boy factories and small helpers to set up communities, people and units."""
import io
import re
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from app import photos
from app.accounts.models import User
from app.core.extensions import db
from app.members import services as members
from app.offers import services as offers
from app.residents import services as residents
from app.units import services as unit_services
from app.units.models import Unit
from app.units.services import sort_key
from tenants.context import tenant_context
from tenants.models import Community

PASSWORD = "correct-horse-7"
# Hashing once keeps the suite fast; every factory user shares this password. The hash is scrypt with a small
# work factor (N=2**10): each log-in checks it, and at the app's own N=2**15 one check costs 0.1-0.25 s on the CI
# machine. The app's own hashes (User.set_password: registration, new members, password changes) keep the full cost.
_HASH = None


def password_hash() -> str:
    global _HASH
    if _HASH is None:
        _HASH = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
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


# --- the docking world: a canteen, its lunch, and the people around it ---------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
LUNCH = {"kind": "meal", "title": "助餐午饭", "capacity": 5, "slots": ["lunch"]}
# For the elderly and the disabled within a kilometre of the canteen, on weekdays from ten to two.
NEARBY = {"eligibility": ["elderly", "disabled"], "latitude": 39.9400, "longitude": 116.3800, "radius_m": 1000}
WEEKDAY_HOURS = {"weekly": {d: [["10:00", "14:00"]] for d in WEEKDAYS}}


def canteen_lunch(cook: User, **offer):
    """In the current community: 京华物业食堂 (a property company's canteen) that `cook` represents, and its
    lunch offer (5 places; `offer` adds or replaces fields). Returns (unit, offer)."""
    unit = unit_services.create_unit({"name": "京华物业食堂", "type": "property_company"})
    unit_services.add_representative(unit, cook.id)
    return unit, offers.create_offer({"unit_id": str(unit.id), **LUNCH, **offer})


def docking_world(*, grandma: bool = True) -> dict:
    """Community `dock`: a coordinator (also admin), the canteen's cook (unit) and its weekday lunch nearby, and
    王秀英 (born 1940, living near it). With `grandma` she is a member (resident) whose profile is her own account's;
    without, she has no account (she phoned in)."""
    community = CommunityFactory(slug="dock")
    coordinator = member(community, "admin", "coordinator")
    cook = member(community, "unit")
    people = {"grandma": member(community, "resident", name="王秀英")} if grandma else {}
    with tenant_context(community.id):
        unit, lunch = canteen_lunch(cook, **NEARBY, **WEEKDAY_HOURS)
        old = residents.create_resident({"name": "王秀英", "birth_date": date(1940, 3, 2), "latitude": 39.9420,
                                         "longitude": 116.3810}, actor_id=coordinator.id,
                                        account_id=people["grandma"].id if grandma else None)
        db.session.commit()
        ids = {"canteen": unit.id, "offer": lunch.id, "resident": old.id}
    return {"community": community, "coordinator": coordinator, "cook": cook, **people, **ids}


# --- URLs, browsers, tokens --------------------------------------------------------------------------

def _slug(community: Community | str) -> str:
    return community if isinstance(community, str) else community.slug


def api(community: Community | str, path: str = "") -> str:
    """The community's API URL: api(community, "/members/3") (a community or its slug)."""
    return f"/api/v1/c/{_slug(community)}{path}"


def page(community: Community | str, path: str = "") -> str:
    """The community's page URL: page(community, "/residents/") (a community or its slug)."""
    return f"/c/{_slug(community)}{path}"


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


def browser_for(app, user: User | str, password: str = PASSWORD) -> Browser:
    """A browser of its own (a new client) logged in as `user` (or a login); the log-in must succeed."""
    browser = Browser(app.test_client())
    response = browser.login(user, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def token_for(client, user: User, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/tokens", json={"email": user.email or user.phone, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


# --- photos ---------------------------------------------------------------------------------------------

TEST_PHOTO_OWNER = "test_note"  # an owner type for tests only: admins see its photos; note ids < 0 are public


@photos.viewer(TEST_PHOTO_OWNER)
def _test_note_viewer(membership, owner_id, photo) -> bool:
    return membership.has_role("admin")


@photos.public_owner(TEST_PHOTO_OWNER)
def _test_note_is_public(owner_id) -> bool:
    return owner_id < 0


def image_bytes(size=(8, 6), color=(200, 30, 30), fmt="PNG", **save) -> bytes:
    """A small picture drawn with Pillow (no file on disk)."""
    from PIL import Image

    mode = "RGBA" if len(color) == 4 else "RGB"
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format=fmt, **save)
    return out.getvalue()
