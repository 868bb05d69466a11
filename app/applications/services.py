"""The rules of a unit's application to join: applying (with the contact's account), the council's review, the
ballot, and admission — every step recorded with who and when (app/history.py), the people concerned told
through the outbox. Services flush; the request or job commits once."""
import logging
from datetime import timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app import history
from app.accounts import services as accounts
from app.accounts.models import User
from app.applications.models import DECIDED, PENDING, WAITING, AdmissionRules, UnitApplication
from app.applications.vocabulary import STATUS_LABELS
from app.ballots import services as ballots
from app.ballots.models import Ballot
from app.core import signals
from app.core.extensions import db
from app.core.kinds import KIND_LABELS
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed
from app.members import services as members
from app.notifications import services as notifications
from app.units import services as units
from app.units.models import Unit, UnitRepresentative
from app.units.vocabulary import TYPE_LABELS
from tenants import clock
from tenants.context import unscoped
from tenants.models import Community

logger = logging.getLogger(__name__)

# The moves people make; "ballot" → admitted | rejected | under_review comes from the ballot's result.
MOVES = {
    "take": ("submitted", "resubmitted"),
    "ask": ("under_review",),
    "resubmit": ("info_requested",),
    "ballot": ("under_review",),
    "reject": ("submitted", "resubmitted", "under_review", "info_requested"),
    "withdraw": ("submitted", "resubmitted", "under_review", "info_requested"),
}
REVIEWERS = ("admin", "coordinator", "council")  # who hears of a new application
# The mistakes that mean "you have an account already": the form then offers to log in, beside the field.
ACCOUNT_EXISTS = {
    "contact_mobile": _l("This mobile number already has an account: log in first, then apply."),
    "contact_email": _l("This e-mail address already has an account: log in first, then apply."),
}


# --- reading --------------------------------------------------------------------------------------

def get_application(application_id: int) -> UnitApplication | None:
    return db.session.execute(select(UnitApplication).where(UnitApplication.id == application_id)) \
        .scalar_one_or_none()


def get_own_application(application_id: int, user_id: int | None) -> UnitApplication | None:
    """The application when `user_id` made it; None otherwise (another applicant's answers 404)."""
    application = get_application(application_id) if user_id else None
    return application if application is not None and application.applicant_id == user_id else None


def applications_of(user_id: int) -> list[UnitApplication]:
    return list(db.session.execute(select(UnitApplication).where(UnitApplication.applicant_id == user_id)
                                   .order_by(UnitApplication.id.desc())).scalars())


def applications_everywhere(user_id: int) -> list[dict]:
    """The user's own applications in every community, newest first: [{"community", "application"}] in one query.

    Deliberately unscoped (the landing page has no community); on PostgreSQL the `own_rows_read` policy of
    unit_applications allows exactly the rows whose applicant is the signed-in user (tenants.rls)."""
    rows = db.session.execute(
        select(UnitApplication, Community).join(Community, Community.id == UnitApplication.community_id)
        .where(UnitApplication.applicant_id == user_id).order_by(UnitApplication.id.desc())
        .execution_options(**unscoped())).all()
    return [{"community": community, "application": application} for application, community in rows]


def list_applications(*, status: str | None = None, cursor: str | None = None, limit: int = 50):
    """A page of applications, newest first; `status` is one status, "waiting" (nobody took it) or "pending"."""
    stmt = select(UnitApplication)
    if status == "waiting":
        stmt = stmt.where(UnitApplication.status.in_(WAITING))
    elif status == "pending":
        stmt = stmt.where(UnitApplication.status.in_(PENDING))
    elif status:
        stmt = stmt.where(UnitApplication.status == status)
    return keyset_page(stmt, (UnitApplication.id,), cursor=cursor, limit=limit, descending=True)


def grouped(limit: int = 100) -> dict[str, list[UnitApplication]]:
    """The council's list: those waiting first (oldest first: they waited longest), then those under way, then
    the latest decisions; three queries whatever the numbers."""
    def of(statuses, order, n):
        return list(db.session.execute(select(UnitApplication).where(UnitApplication.status.in_(statuses))
                                       .order_by(order).limit(n)).scalars())

    under_way = tuple(s for s in PENDING if s not in WAITING)
    return {"waiting": of(WAITING, UnitApplication.id, limit),
            "under_way": of(under_way, UnitApplication.id, limit),
            "decided": of(DECIDED, UnitApplication.decided_at.desc(), 30)}


def for_council(limit: int = 5) -> tuple[list[UnitApplication], int]:
    """What waits for the council's action: those nobody took yet and those under review (oldest first, at
    most `limit`), and how many there are; two queries whatever the numbers."""
    statuses = (*WAITING, "under_review")
    where = UnitApplication.status.in_(statuses)
    found = list(db.session.execute(select(UnitApplication).where(where).order_by(UnitApplication.id)
                                    .limit(limit)).scalars()) if limit else []
    return found, db.session.execute(select(func.count(UnitApplication.id)).where(where)).scalar_one()


def history_of(application: UnitApplication):
    return history.history_of(application)


# --- the rules of admission ------------------------------------------------------------------------

def rules_row() -> AdmissionRules | None:
    return db.session.execute(select(AdmissionRules)).scalar_one_or_none()


def rules() -> AdmissionRules:
    """The community's admission rules; the defaults (an unsaved row) when it never set them."""
    return rules_row() or AdmissionRules(**AdmissionRules.DEFAULTS)


def save_rules(data: dict, *, actor_id: int | None) -> AdmissionRules:
    """What RulesIn loaded; the next ballot opened uses them (an open ballot keeps the rules it opened with)."""
    row = rules_row()
    if row is None:
        row = AdmissionRules(**AdmissionRules.DEFAULTS)
        db.session.add(row)
    for key, value in data.items():
        setattr(row, key, value)
    row.updated_by_id = actor_id
    db.session.flush()
    return row


# --- applying -------------------------------------------------------------------------------------

def _same(text: str) -> str:
    """A name or an address compared as people mean it: without spaces, in one case."""
    return "".join((text or "").split()).lower()


def _member_unit_of_code(credit_code: str, exclude_id: int | None = None) -> Unit | None:
    """The member unit admitted with this credit code (units record their code through their application)."""
    stmt = (select(Unit).join(UnitApplication, UnitApplication.unit_id == Unit.id)
            .where(UnitApplication.credit_code == credit_code, UnitApplication.status == "admitted",
                   Unit.status != "withdrawn"))
    if exclude_id:
        stmt = stmt.where(UnitApplication.id != exclude_id)
    return db.session.execute(stmt.limit(1)).scalars().first()


def _duplicates(data: dict, *, exclude_id: int | None = None) -> dict[str, list[str]]:
    """Why this application would repeat another or a member unit, by field (empty: it does not)."""
    errors: dict[str, list[str]] = {}
    pending = select(UnitApplication).where(UnitApplication.status.in_(PENDING))
    if exclude_id:
        pending = pending.where(UnitApplication.id != exclude_id)
    code = data.get("credit_code")
    if code:
        if (unit := _member_unit_of_code(code, exclude_id)) is not None:
            errors["credit_code"] = [_("“%(name)s” is already a member unit with this credit code.", name=unit.name)]
        elif db.session.execute(pending.where(UnitApplication.credit_code == code).limit(1)).first():
            errors["credit_code"] = [_("An application with this credit code is already waiting for a decision.")]
    name = data.get("unit_name")
    if name:
        same_name = db.session.execute(select(Unit).where(func.lower(Unit.name) == name.lower())).scalars().first()
        if same_name is not None and _same(same_name.address) == _same(data.get("address", "")):
            errors["unit_name"] = [_("“%(name)s” at this address is already a member unit.", name=same_name.name)]
        elif same_name is not None:
            errors["unit_name"] = [_("A member unit already has this name. If yours is another unit, add what tells "
                                     "them apart, for example the branch: “%(name)s（柳荫街店）”.", name=name)]
    mobile = data.get("contact_mobile")
    if mobile and db.session.execute(pending.where(UnitApplication.contact_mobile == mobile).limit(1)).first():
        errors["contact_mobile"] = [_("An application with this mobile number is already waiting for a decision; "
                                      "log in to follow it.")]
    return errors


def account_exists_in(errors: dict) -> set[str]:
    """The fields (contact_mobile, contact_email) whose mistake is that an account already has them."""
    return {name for name, message in ACCOUNT_EXISTS.items() if str(message) in (errors.get(name) or [])}


def _account_problems(data: dict, user: User | None) -> dict[str, list[str]]:
    """A logged-in applicant applies with their account; a new contact's mobile (and e-mail) must be free, or
    they log in first, proving the account is theirs."""
    errors: dict[str, list[str]] = {}
    mobile, email = data["contact_mobile"], accounts.normalize_email(data.get("contact_email"))
    owner = accounts.find_user(mobile)
    if user is not None:
        if owner is not None and owner.id != user.id:
            errors["contact_mobile"] = [_("This mobile number belongs to another account: give your own, or log "
                                          "in with that account.")]
        return errors
    if owner is not None:
        errors["contact_mobile"] = [str(ACCOUNT_EXISTS["contact_mobile"])]
    if email and accounts.find_user(email) is not None:
        errors["contact_email"] = [str(ACCOUNT_EXISTS["contact_email"])]
    if problems := accounts.password_problems(data.get("password") or ""):
        errors["password"] = problems
    return errors


def apply(data: dict, *, user: User | None) -> UnitApplication:
    """A unit applies, from what ApplicationIn loaded: all problems told at once (duplicates, the account), and
    nothing stored unless the whole application is right. `user` is the logged-in applicant; without one an
    account is made for the contact, with the mobile as its log-in. (The honeypot is the caller's.)"""
    errors = _duplicates(data)
    for key, messages in _account_problems(data, user).items():
        errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
    if errors:
        raise ValidationFailed(errors)
    if user is None:
        user = accounts.create_user(name=data["contact_name"], password=data["password"],
                                    email=data.get("contact_email") or None, phone=data["contact_mobile"])
    now = clock.utcnow()
    application = UnitApplication(
        unit_name=data["unit_name"], unit_type=data["unit_type"], credit_code=data["credit_code"],
        address=data["address"], contact_name=data["contact_name"], contact_mobile=data["contact_mobile"],
        contact_email=data.get("contact_email") or "", offers=sorted(set(data.get("offers") or [])),
        needs=data.get("needs") or "", motivation=data["motivation"], consent_at=now, status="submitted",
        applicant_id=user.id, submitted_at=now)
    db.session.add(application)
    db.session.flush()
    history.created(application, actor_id=user.id)
    notifications.emit("application.received", audience=notifications.to_roles(*REVIEWERS),
                       payload=_payload(application), actor_id=user.id)
    db.session.flush()
    return application


def _payload(application: UnitApplication, **extra) -> dict:
    return {"unit_name": application.unit_name, "link": f"/applications/{application.id}", **extra}


def _applicant_payload(application: UnitApplication, **extra) -> dict:
    return {"unit_name": application.unit_name, "link": f"/join/mine/{application.id}", **extra}


# --- the review -----------------------------------------------------------------------------------

def _check_move(application: UnitApplication, move: str) -> None:
    if application.status not in MOVES[move]:
        if application.is_decided:
            raise Conflict(_("This application was decided (%(status)s); it cannot change any more.",
                             status=STATUS_LABELS[application.status]), "decided")
        raise Conflict(_("An application that is “%(status)s” cannot do this now.",
                         status=STATUS_LABELS[application.status]), "invalid_transition")


def take(application: UnitApplication, *, actor_id: int) -> UnitApplication:
    """A council member (or staff) takes the application to review it."""
    _check_move(application, "take")
    application.reviewer_id = actor_id
    history.record(application, "under_review", actor_id=actor_id)
    db.session.flush()
    return application


def ask(application: UnitApplication, message: str, *, actor_id: int) -> UnitApplication:
    """Ask the applicant for more information; they complete the application and send it again."""
    _check_move(application, "ask")
    application.info_request = message
    history.record(application, "info_requested", actor_id=actor_id, note=message)
    if application.applicant_id:
        notifications.emit("application.info_requested", audience=notifications.to_users(application.applicant_id),
                           payload=_applicant_payload(application, message=message), actor_id=actor_id)
    db.session.flush()
    return application


def resubmit(application: UnitApplication, data: dict, *, actor_id: int) -> UnitApplication:
    """The applicant's completed application (what ResubmitIn loaded); it waits for the council again."""
    if application.is_decided:
        _check_move(application, "resubmit")
    if application.status not in MOVES["resubmit"]:
        raise Conflict(_("The application can be changed only when the council asks for more information."),
                       "invalid_transition")
    note = data.pop("note", "") or ""
    merged = {"credit_code": application.credit_code, "unit_name": application.unit_name,
              "address": application.address} | data
    errors = _duplicates({key: merged[key] for key in ("credit_code", "unit_name", "address")},
                         exclude_id=application.id)
    if errors:
        raise ValidationFailed(errors)
    for key, value in data.items():
        setattr(application, key, sorted(set(value)) if key == "offers" else value)
    history.record(application, "resubmitted", actor_id=actor_id, note=note)
    if application.reviewer_id:  # back to the one who asked: under their review again, and they are told
        history.record(application, "under_review", actor_id=None)
        notifications.emit("application.received", audience=notifications.to_users(application.reviewer_id),
                           payload=_payload(application, resubmitted=True), actor_id=actor_id)
    db.session.flush()
    return application


def withdraw(application: UnitApplication, *, actor_id: int) -> UnitApplication:
    """The applicant withdraws, any time before the vote and the decision."""
    if application.status == "ballot":
        raise Conflict(_("The vote on this application is open; it can no longer be withdrawn."), "in_ballot")
    _check_move(application, "withdraw")
    application.decided_at = clock.utcnow()
    history.record(application, "withdrawn", actor_id=actor_id)
    db.session.flush()
    return application


def reject(application: UnitApplication, reason: str, *, actor_id: int | None) -> UnitApplication:
    """The council does not admit the unit; the applicant is told why."""
    _check_move(application, "reject")
    _decide(application, "rejected", reason=reason, actor_id=actor_id)
    return application


def _decide(application: UnitApplication, outcome: str, *, reason: str = "", actor_id: int | None) -> None:
    application.decision_reason = reason
    application.decided_at = clock.utcnow()
    history.record(application, outcome, actor_id=actor_id, note=reason)
    if application.applicant_id:
        notifications.emit("application.decided", audience=notifications.to_users(application.applicant_id),
                           payload=_applicant_payload(application, outcome=outcome, reason=reason,
                                                      login=application.contact_mobile,
                                                      link="/" if outcome == "admitted"
                                                      else f"/join/mine/{application.id}"),
                           actor_id=actor_id)
    db.session.flush()


# --- the ballot -----------------------------------------------------------------------------------

def conflicted_members(application: UnitApplication) -> dict[int, str]:
    """Members who may not vote on it: the applicant, and whoever represents a unit of the same name or
    credit code ({user id: why}), in two queries."""
    reason = _("Represents the applying unit")
    excluded = {application.applicant_id: reason} if application.applicant_id else {}
    same_code = select(UnitApplication.unit_id).where(UnitApplication.credit_code == application.credit_code,
                                                      UnitApplication.unit_id.is_not(None))
    same_unit = select(Unit.id).where(or_(func.lower(Unit.name) == application.unit_name.lower(),
                                          Unit.id.in_(same_code)))
    for user_id in db.session.execute(select(UnitRepresentative.user_id)
                                      .where(UnitRepresentative.unit_id.in_(same_unit))).scalars():
        excluded[user_id] = reason
    return excluded


def ballot_body(application: UnitApplication) -> str:
    """What a voter reads of the application, one labelled line each (in the current locale): its kind, address,
    what it offers, what it needs and why it joins — never the credit code or the contact's mobile, since the
    representatives of residents vote."""
    offers = "、".join(str(KIND_LABELS.get(k, k)) for k in application.offers or []) or "—"
    lines = [(_("Kind of unit"), str(TYPE_LABELS.get(application.unit_type, application.unit_type))),
             (_("Address"), application.address), (_("Services it can offer"), offers),
             (_("Needs from the association"), application.needs or "—"),
             (_("Why the unit wants to join"), application.motivation or "—")]
    return "\n".join(_("%(label)s: %(value)s", label=label, value=value) for label, value in lines)


def open_ballot(application: UnitApplication, *, actor_id: int):
    """Put the admission to the vote of the council and the residents' representatives, by the community's
    admission rules; the applicant and whoever represents the same unit do not vote."""
    _check_move(application, "ballot")
    errors = _duplicates({"credit_code": application.credit_code, "unit_name": application.unit_name,
                          "address": application.address}, exclude_id=application.id)
    if errors:
        raise ValidationFailed(errors)
    current = rules()
    with force_locale("zh_CN"):  # the ballot's words are the community's, whoever opens it
        title = _("Admit “%(name)s” as a member unit?", name=application.unit_name)
        body = ballot_body(application)
    ballot = ballots.create(
        subject_type="application", subject_id=application.id, title=title, body=body, kind="yes_no",
        electorate={"roles": ["council", "representative"], "user_ids": []},
        excluded=conflicted_members(application), closes_at=clock.utcnow() + timedelta(days=current.ballot_days),
        quorum_pct=current.quorum_pct, threshold=current.threshold, secret=current.secret,
        veto_limit=current.veto_limit, owner_ids=[application.applicant_id] if application.applicant_id else [],
        actor_id=actor_id)
    application.ballot_id = ballot.id
    history.record(application, "ballot", actor_id=actor_id)
    db.session.flush()
    return ballot


def _on_ballot_closed(sender, *, subject_type: str = "", subject_id: int | None = None, outcome: str = "",
                      result: dict | None = None, **kwargs) -> None:
    """A ballot on an application closed: admit, reject, or (vetoed) what the admission rules say."""
    if subject_type != "application" or subject_id is None:
        return
    application = get_application(int(subject_id))
    if application is None or application.status != "ballot":
        return  # told twice, or the application is gone: nothing more to do
    reasons = _veto_reasons(sender, result)
    application.ballot_result = {**(result or {}), "veto_reasons": reasons}
    with force_locale("zh_CN"):  # the reasons are stored: in the community's language, whoever closed the vote
        _follow_result(application, outcome, reasons, result)


def _follow_result(application: UnitApplication, outcome: str, reasons: list[str], result: dict | None) -> None:
    if outcome == "approved":
        admit(application, actor_id=None)
    elif outcome == "vetoed":
        if rules().veto_action == "return":
            note = _("Vetoed by residents' representatives: %(reasons)s", reasons="；".join(reasons) or "—")
            history.record(application, "under_review", actor_id=None, note=note)
            if application.reviewer_id:
                notifications.emit("application.received", audience=notifications.to_users(application.reviewer_id),
                                   payload=_payload(application, vetoed=True))
            db.session.flush()
        else:
            _decide(application, "rejected", actor_id=None,
                    reason=_("Residents' representatives vetoed the admission: %(reasons)s",
                             reasons="；".join(reasons) or "—"))
    elif outcome == "no_quorum":
        _decide(application, "rejected", actor_id=None,
                reason=_("Too few members took part in the vote for it to count."))
    else:
        _decide(application, "rejected", actor_id=None,
                reason=(result or {}).get("reason") or _("The vote did not approve the admission."))


def _veto_reasons(ballot, result: dict | None) -> list[str]:
    """The reasons the representatives gave for their vetoes (the engine's result only counts them)."""
    vetoes = ballots.vetoes(ballot) if isinstance(ballot, Ballot) else (result or {}).get("vetoes")
    return [str(v.get("reason") if isinstance(v, dict) else v) for v in vetoes or [] if v]


def veto_reasons_of(application: UnitApplication) -> list[str]:
    return list((application.ballot_result or {}).get("veto_reasons") or [])


signals.ballot_closed.connect(_on_ballot_closed)


def admit(application: UnitApplication, *, actor_id: int | None) -> Unit:
    """The unit joins: registered active from today, its contact's account its representative (with the unit
    role), and a welcome."""
    name = application.unit_name
    if db.session.execute(select(Unit.id).where(Unit.name == name)).first():
        name = f"{name}（{application.credit_code[-6:]}）"  # registered meanwhile by hand: keep both, told apart
        logger.warning("application %s: a unit named %s exists; registered as %s", application.id,
                       application.unit_name, name)
    unit = units.create_unit({
        "name": name, "type": application.unit_type, "address": application.address,
        "contact_name": application.contact_name, "contact_phone": application.contact_mobile,
        "description": application.needs, "status": "active", "joined_on": clock.today()})
    application.unit_id = unit.id
    applicant = db.session.get(User, application.applicant_id) if application.applicant_id else None
    if applicant is not None:
        members.add_member(applicant, ["unit"])
        units.add_representative(unit, applicant.id)
    _decide(application, "admitted", actor_id=actor_id)
    return unit
