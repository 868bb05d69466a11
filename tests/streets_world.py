"""A street office's world for the street tests: 和平街道 with two communities (one named "=1+1"), 建设街道 with
one, residents with a disability in each (few in one, enough in the other), and a year's part that reads the
communities' rows the ORM's way and — to prove row-level security while the street view switches tenants — with raw
SQL that names no community."""
import contextlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text

from app import yearbook
from app.core.extensions import db
from app.residents import services as residents
from app.residents.models import SensitiveAttributes
from app.streets.models import StreetViewer
from app.units import services as units
from app.units.models import Unit
from tenants.context import tenant_context
from tenants.models import Community, Street
from tests.factories import CommunityFactory, UserFactory, member

RESIDENT_NAME = "欧阳秀英"  # a resident of every community: never on a street page


def _street_part(year: int) -> yearbook.Part:
    scoped = db.session.execute(select(func.count(Unit.id))).scalar_one()
    raw = db.session.execute(text("SELECT count(*) FROM units")).scalar_one()  # no WHERE: RLS alone limits it
    disabled = db.session.execute(select(func.count(SensitiveAttributes.id))
                                  .where(SensitiveAttributes.disability_category.is_not(None))).scalar_one()
    return yearbook.Part(figures=[
        yearbook.Figure("test_units", "Units here", scoped, "units", street=True),
        yearbook.Figure("test_units_raw", "Units (raw SQL)", raw, "", street=True),
        yearbook.Figure("test_disabled", "Residents with a disability", disabled, "people", street=True,
                        sensitive=True),
        yearbook.Figure("test_internal", "Internal", 42, ""),
        yearbook.Figure("test_year", "Year of the part", str(year), "", street=True),
    ])


@contextlib.contextmanager
def street_part():
    """The test's part in the yearbook, for the block only."""
    declared = yearbook.Declared("street_test", 999, _l("Street test"), _street_part)  # last: its figures last
    yearbook.PARTS.append(declared)
    try:
        yield
    finally:
        yearbook.PARTS.remove(declared)


@dataclass
class World:
    street: Street
    other_street: Street
    east: Community
    odd: Community
    far: Community
    viewer: object
    other_viewer: object
    admin: object


def _fill(community: Community, n_units: int, n_disabled: int, admin) -> None:
    with tenant_context(community.id):
        for i in range(n_units):
            units.create_unit({"name": f"{community.name}单位{i}", "type": "shop",
                               "address": f"{community.name}路{i}号"})
        for i in range(n_disabled + 1):
            resident = residents.create_resident({"name": RESIDENT_NAME if i == 0 else f"{RESIDENT_NAME}{i}",
                                                  "address": "3号楼"}, actor_id=admin.id)
            if i:
                residents.record_consent(resident, given_by="本人", method="in_person", actor_id=admin.id)
                residents.set_sensitive(resident, {"disability_category": "visual", "disability_grade": 2},
                                        actor_id=admin.id)
        db.session.commit()


def grant(street: Street, user, operator=None) -> None:
    db.session.add(StreetViewer(street_id=street.id, user_id=user.id, granted_by_id=operator.id if operator else None))
    db.session.commit()


def make_world(*, n_units=(3, 7), disabled=(2, 6)) -> World:
    street, other_street = Street(name="和平街道"), Street(name="建设街道")
    east = CommunityFactory(slug="dongyuan", name="东园社区", street=street)
    odd = CommunityFactory(slug="odd", name="=1+1", street=street)
    far = CommunityFactory(slug="yuanfang", name="远方社区", street=other_street)
    admin = member(east, "admin", "coordinator", name="东园管理员")
    member(odd, "admin", user=admin)
    member(far, "admin", user=admin)
    _fill(east, n_units[0], disabled[0], admin)
    _fill(odd, n_units[1], disabled[1], admin)
    _fill(far, 1, 1, admin)
    viewer, other_viewer = UserFactory(name="街道干部"), UserFactory(name="建设街道干部")
    grant(street, viewer)
    grant(other_street, other_viewer)
    return World(street, other_street, east, odd, far, viewer, other_viewer, admin)
