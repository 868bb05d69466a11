"""The one place that decides what a role may do in a community.

Views and API endpoints ask `can(action, obj)` or `require(action, obj)`; nothing else checks roles.
A rule is a set of roles, or a function of the membership and the object for rules that depend
on whose object it is (a unit representative edits only their own unit).
"""
import logging
from collections.abc import Callable

from flask import abort

from tenants.memberships import communities_of
from tenants.models import ROLES, Membership
from tenants.web import current_membership

logger = logging.getLogger(__name__)

STAFF = {"admin", "coordinator"}
EVERYONE = set(ROLES)


# The rules need a few objects by id (a need's resident, a match's offer, a unit); the domains that own
# them lend their lookups with @loader, so this module, below every domain, imports none of them.
LOADERS: dict[str, Callable[[int], object | None]] = {}


def loader(kind: str):
    """Lend `permissions` the lookup of one kind of object by id (`@permissions.loader("unit")`)."""

    def register(func: Callable[[int], object | None]):
        LOADERS[kind] = func
        return func

    return register


def _load(kind: str, object_id: int):
    return LOADERS[kind](object_id)


def _own_resident(membership: Membership, resident) -> bool:
    """Staff, or the account that acts for the resident (themself, or a family member)."""
    return membership.has_role(*STAFF) or (resident is not None and resident.account_id == membership.user_id)


def _export_requester(membership: Membership, export) -> bool:
    """Staff, or the person who asked for the file while they still act for the resident."""
    if membership.has_role(*STAFF):
        return True
    if export is None or export.requested_by_id != membership.user_id:
        return False
    return _own_resident(membership, _load("resident", export.resident_id))


def _own_unit(membership: Membership, unit) -> bool:
    return membership.has_role(*STAFF) or (
        unit is not None and membership.has_role("unit") and unit.is_represented_by(membership.user_id)
    )


def _unit_history(membership: Membership, unit) -> bool:
    """A unit's dated status changes (the reasons of a yearly review): staff, the council, its own representatives."""
    return membership.has_role("council") or _own_unit(membership, unit)


def _case_party(membership: Membership, case) -> bool:
    """Staff, or a representative of a unit the case names (they see its draft and its photos)."""
    if membership.has_role(*STAFF):
        return True
    return case is not None and any(_represents(membership, unit_id) for unit_id in case.unit_ids)


def _represents(membership: Membership, unit_id: int | None) -> bool:
    if unit_id is None or not membership.has_role("unit"):
        return False
    unit = _load("unit", unit_id)
    return unit is not None and unit.is_represented_by(membership.user_id)


def _offer_side(membership: Membership, offer) -> bool:
    """Staff, or a representative of the unit that makes the offer."""
    return membership.has_role(*STAFF) or (offer is not None and _represents(membership, offer.unit_id))


def _match_side(membership: Membership, match) -> bool:
    if membership.has_role(*STAFF):
        return True
    return match is not None and _represents(membership, _load("offer", match.offer_id).unit_id)


def _need_party(membership: Membership, need) -> bool:
    """Staff, whoever submitted it, the account that acts for the beneficiary, the unit that asked."""
    if membership.has_role(*STAFF):
        return True
    if need is None:
        return False
    if need.submitted_by_id == membership.user_id or _represents(membership, need.unit_id):
        return True
    if need.resident_id:
        resident = _load("resident", need.resident_id)
        return resident is not None and resident.account_id == membership.user_id
    return False


def _need_parties(membership: Membership, needs) -> set[int]:
    """_need_party for a page of needs at once (the same answer, in at most two queries, not one per row)."""
    if membership.has_role(*STAFF):
        return {n.id for n in needs}
    held = LOADERS["held_residents"](membership.user_id) if any(n.resident_id for n in needs) else set()
    units = LOADERS["represented_units"](membership.user_id) \
        if membership.has_role("unit") and any(n.unit_id for n in needs) else set()
    return {n.id for n in needs if n.submitted_by_id == membership.user_id or (n.unit_id and n.unit_id in units)
            or (n.resident_id and n.resident_id in held)}


def _match_sides(membership: Membership, views) -> set[int]:
    """_match_side for a list of match views (app/matching/disclosure, which carry their offer's unit_id) in at
    most one query, not two per row."""
    if membership.has_role(*STAFF):
        return {v.id for v in views}
    units = LOADERS["represented_units"](membership.user_id) if membership.has_role("unit") else set()
    return {v.id for v in views if v.unit_id in units}


def _meal_owner(membership: Membership, plan_or_order) -> bool:
    """Staff, or the account that acts for the resident the meal plan or order is for."""
    if membership.has_role(*STAFF):
        return True
    if plan_or_order is None:
        return False
    return _own_resident(membership, _load("resident", plan_or_order.resident_id))


def _venue_owner(membership: Membership, venue) -> bool:
    """Staff, or a representative of the unit that lends the venue (a booking's venue for its decisions)."""
    return membership.has_role(*STAFF) or (venue is not None and _represents(membership, venue.unit_id))


def _booking_party(membership: Membership, booking) -> bool:
    """Staff, who asked, the unit that asked, and the venue's owner."""
    if membership.has_role(*STAFF):
        return True
    if booking is None:
        return False
    return (booking.requested_by_id == membership.user_id or _represents(membership, booking.unit_id)
            or _venue_owner(membership, _load("venue", booking.venue_id)))


def _award_holder(membership: Membership, award) -> bool:
    """An award's certificate: staff, the council, and the representatives of the commended unit."""
    if membership.has_role(*STAFF, "council"):
        return True
    return award is not None and _represents(membership, award.unit_id)


def _ballot_party(membership: Membership, ballot) -> bool:
    """Staff, the council, a member of the ballot's frozen electorate (excluded ones too: they see why), or one
    of its owners (the applicant)."""
    if membership.has_role(*STAFF, "council"):
        return True
    if ballot is None:
        return False
    return membership.user_id in (ballot.owner_ids or []) or ballot.elector(membership.user_id) is not None


def _activity_organiser(membership: Membership, activity) -> bool:
    """Staff, who proposed it, and the representatives of its organising and co-organising units."""
    if membership.has_role(*STAFF):
        return True
    if activity is None:
        return False
    return activity.proposed_by_id == membership.user_id or any(
        _represents(membership, unit_id) for unit_id in (activity.organiser_unit_id, *activity.co_organiser_ids))


def _donation_party(membership: Membership, donation) -> bool:
    """A donation's receipt: the staff, and the representatives of the unit that gave."""
    if donation is None:
        return False
    return membership.has_role(*STAFF) or _represents(membership, donation.unit_id)


def _registration_holder(membership: Membership, registration) -> bool:
    """Staff, who signed them up, the account of the resident signed up, and the activity's organisers."""
    if membership.has_role(*STAFF):
        return True
    if registration is None:
        return False
    if registration.registered_by_id == membership.user_id:
        return True
    if registration.resident_id and _own_resident(membership, _load("resident", registration.resident_id)):
        return True
    return _activity_organiser(membership, _load("activity", registration.activity_id))


RULES: dict[str, set[str] | Callable] = {
    "community.view": EVERYONE,
    # Each role's home page (app/home): staff the community's overview, a unit its desk, a council member or a
    # resident representative what waits for them, a resident (or the family acting for them) their requests.
    "home.staff": STAFF,
    "home.unit": {"unit"},
    "home.council": {"council", "representative"},
    "home.resident": {"resident"},
    "units.view": EVERYONE,
    # A unit's contact person (a name and a mobile) is for who works with the units, not every resident.
    "units.contacts": STAFF | {"council", "unit"},
    "units.create": STAFF,
    "units.edit": _own_unit,
    "units.change_status": STAFF,
    "units.view_history": _unit_history,
    "units.delete": {"admin"},
    "units.import": STAFF,
    "units.export": STAFF | {"council"},
    "units.manage_representatives": STAFF,
    "members.view": STAFF,
    "members.manage": {"admin"},
    "announcements.view": EVERYONE,
    "announcements.send": STAFF,
    "notifications.manage_failures": STAFF,
    # Residents' data: staff serve everyone; a resident (or their family) sees and exports their own.
    "residents.list": STAFF,
    "residents.create": STAFF,
    "residents.register_own": {"resident"},
    "residents.view": _own_resident,
    "residents.edit": _own_resident,
    "residents.sensitive": _own_resident,
    "residents.export": _own_resident,
    "residents.download_export": _export_requester,
    "residents.request_deletion": _own_resident,
    "residents.erase": {"admin"},
    "audit.view": {"admin"},
    # The docking: needs, offers, matches.
    "needs.list_all": STAFF | {"council"},
    "needs.create": {"admin", "coordinator", "resident", "unit"},
    "needs.view": _need_party,
    "needs.triage": STAFF,
    "needs.cancel": _need_party,
    "offers.view": EVERYONE,
    "offers.create": STAFF | {"unit"},
    "offers.edit": _offer_side,
    "matching.propose": STAFF,
    "matching.confirm": STAFF,
    "matching.batch": STAFF,
    "matches.view": _match_side,
    "matches.answer": _match_side,
    "matches.deliver": _match_side,
    "matches.rate": _need_party,
    # The meal table: residents' plans and orders; a canteen's settings, manifest, deliveries, statement.
    "meals.view": EVERYONE,
    "meals.request_plan": _own_resident,  # for this resident
    "meals.plan": _meal_owner,  # see the plan or order, end the plan, skip or restore a day
    "meals.confirm_plan": STAFF,
    "meals.canteen": _offer_side,
    "meals.missed": STAFF,
    "meals.statement": _own_resident,
    # Referrals between the communities of a street: the coordinators' work on both sides.
    "referrals.view": STAFF,
    "referrals.refer": STAFF,
    "referrals.take": STAFF,
    "referrals.withdraw": STAFF,
    # Public works requests to municipal departments: staff file and follow them; the council sees them.
    "public_works.view": STAFF | {"council"},
    "public_works.manage": STAFF,
    # Units' applications to join: the council (and staff) review them; the admin sets the admission rules. The
    # applicant, not yet a member, follows their own through app/applications (ownership, not a role).
    "applications.review": {"council"} | STAFF,
    "applications.rules": {"admin"},
    # Ballots (app/ballots): anyone lists the ballots they are in; the electorate, the council, staff and the
    # subject's owners see one; staff and the council put a free question to a vote; staff record paper votes.
    "ballots.list": EVERYONE,
    "ballots.view": _ballot_party,
    "ballots.vote": _ballot_party,  # and the service checks the frozen electorate (403 outside it or excluded)
    "ballots.veto": {"representative"},
    "ballots.create": STAFF | {"council"},
    "ballots.record_paper": STAFF,
    "ballots.see_all": STAFF | {"council"},
    # The council (理事会) and the resident representatives (民意代表): every member sees who they are; the
    # community admin appoints them and ends their terms.
    "council.view": EVERYONE,
    "council.manage": {"admin"},
    # The council's yearly review of the member units: the council runs it, the staff may too.
    "reviews.view": {"council"} | STAFF,
    "reviews.run": {"council"} | STAFF,
    # Venues units lend (app/venues): everyone sees them and their week; the owner unit's representatives
    # (and staff) keep them and decide the requests; staff and units ask for them.
    "venues.view": EVERYONE,
    "venues.create": STAFF | {"unit"},  # for a unit they represent (the service checks which)
    "venues.manage": _venue_owner,
    "bookings.request": STAFF | {"unit"},
    "bookings.view": _booking_party,
    "bookings.change": _booking_party,  # cancel or move a date of it
    "bookings.decide": _venue_owner,  # of the booking's venue
    # Joint activities (app/activities): everyone sees them; staff, units and representatives propose; staff
    # approve (or put them to a ballot) and keep the rules; the organisers schedule, check people in, record and
    # close; residents (and family) sign up, units register their people, the coordinator anyone.
    "activities.view": EVERYONE,
    "activities.propose": STAFF | {"unit", "representative", "council"},
    "activities.approve": STAFF,
    "activities.rules": STAFF,
    "activities.organise": _activity_organiser,
    "activities.needs": _activity_organiser,  # registrants' accessibility needs: sensitive, audited
    "activities.sign_up": {"resident"} | STAFF,
    "activities.register_people": {"unit"} | STAFF,
    "activities.points": STAFF | {"council"},
    # Commendations (app/commendations): the council and the staff run a campaign (formula, evidence, nominations,
    # the ballot); the staff announce it; a unit sees its awards and downloads its certificates; the honour roll
    # and the verification page are public.
    "commendations.view": {"council"} | STAFF,
    "commendations.run": {"council"} | STAFF,
    "commendations.nominate": {"council"} | STAFF,
    "commendations.announce": STAFF,
    "commendations.mine": {"unit"},
    "commendations.certificate": _award_holder,
    # Good cases (app/cases): the staff write and publish them; the units they name see them (drafts too);
    # published ones are on the public pages for everyone.
    "cases.manage": STAFF,
    "cases.view": _case_party,
    # The contribution record (app/contributions): the ranked table for the council and the staff; one unit's
    # record also for its own representatives.
    "contributions.view": STAFF | {"council"},
    "contributions.view_unit": _unit_history,
    "registrations.view": _registration_holder,
    "registrations.cancel": _registration_holder,
    # The yearly report (app/reports) and the year in charts: the staff and the council read them; the staff
    # write the narrative, submit the report to the street and set its deadline.
    "reports.view": STAFF | {"council"},
    "reports.submit": STAFF,
    "reports.settings": {"admin"},
    # The fund (app/fund): the staff keep the books (income, donations, expenses, settings); an expense is decided
    # by another member of the staff than its proposer (the service says so) or, above the community's threshold,
    # by the council's ballot; the council sees the books; a unit sees its own donations and receipts; everyone,
    # visitors too, the transparency page (no log-in, no personal data).
    "fund.view": STAFF | {"council"},
    "fund.record": STAFF,
    "fund.propose": STAFF,
    "fund.decide": STAFF,
    "fund.pay": STAFF,
    "fund.settings": STAFF,
    "fund.donations": STAFF | {"unit"},  # a unit: only its own (the pages filter by the units it represents)
    "fund.receipt": _donation_party,
}


# API tokens are for programs: the integrations of a community's staff and of its units, and the platform
# operator's. A resident, or the family member acting for one, uses the pages (the API's own log-in,
# POST /api/v1/auth/tokens, still answers them: it is how an app signs in, not a token to keep).
TOKEN_HOLDERS = STAFF | {"unit"}


def may_hold_api_tokens(user) -> bool:
    """Whether the account page shows `user` API tokens and lets them make or revoke one (else 403)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_operator:
        return True
    return any(set(place["roles"]) & TOKEN_HOLDERS for place in communities_of(user.id))


# A rule over a whole list, where the per-object rule would look one object up per row.
BULK_RULES: dict[str, Callable] = {
    "needs.view": _need_parties,
    "matches.answer": _match_sides,
    "matches.deliver": _match_sides,
}


def openable(action: str, items, membership: Membership | None = None) -> set[int]:
    """The ids of a list's rows the member may open with `action`.

    A list links only these rows, and shows personal data (a resident's name, a title or text that may name
    them) only on these: a role that may see a list but not its rows (the council on the needs) sees their
    kind, time and status, never who. The lists ask here; their templates only read the answer.
    """
    membership = membership or current_membership()
    items = list(items)
    if membership is None or not items:
        return set()
    bulk = BULK_RULES.get(action)
    if bulk is not None:
        return bulk(membership, items)
    return {item.id for item in items if can(action, item, membership)}


def can(action: str, obj=None, membership: Membership | None = None) -> bool:
    membership = membership or current_membership()
    if membership is None:
        return False
    rule = RULES[action]
    if callable(rule):
        return bool(rule(membership, obj))
    return membership.has_role(*rule)


def is_staff(membership: Membership | None = None) -> bool:
    """The community's own staff (admin, coordinator): they see every need, match, plan and profile whole."""
    membership = membership or current_membership()
    return membership is not None and membership.has_role(*STAFF)


def found(obj, action: str | None = None):
    """The object of a URL: 404 when it does not exist in this community, 403 when the member may not `action` it."""
    if obj is None:
        abort(404)
    if action is not None:
        require(action, obj)
    return obj


def require(action: str, obj=None) -> None:
    """403 unless the current member may do it (non-members never get this far: they get 404)."""
    if not can(action, obj):
        abort(403)
