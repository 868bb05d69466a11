"""The fund's rules: income (the street's allocation, other income), donations with their numbered receipts,
expenses proposed by one member and decided by another (or by a council ballot above the community's threshold),
paid once however many press "pay" at once, refunds and corrections as reversing entries; the figures the pages,
the statement and the transparency page read.
"""
import logging
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError

from app.activities import services as activities
from app.ballots import services as ballots
from app.core import signals
from app.core.extensions import db
from app.core.pagination import keyset_page
from app.core.validation import Conflict, ValidationFailed, text_problems
from app.fund import ledger, links
from app.fund.models import (
    CATEGORIES,
    DONOR_KINDS,
    SOURCES,
    Donation,
    Expense,
    FundAccount,
    FundSettings,
    LedgerLine,
    LedgerMonthTotal,
    LedgerTransaction,
)
from app.notifications import services as notifications
from app.units import services as units
from app.units.models import UnitRepresentative
from tenants import clock
from tenants.models import Membership, MembershipRole

logger = logging.getLogger(__name__)

PHOTO_OWNER = "expense"
STAFF_ROLES = ("admin", "coordinator")
WAITING = ("proposed", "voting")
MAX_FEN = 10**11  # a hundred million yuan in one entry is a typing mistake


@links.kind("activity", label=_l("Activity"))
def _activity_link(activity_id: int):
    activity = activities.get_activity(activity_id)
    return links.Linked(activity.title, f"/activities/{activity.id}") if activity is not None else None


# --- settings and accounts ------------------------------------------------------------------------

def settings() -> FundSettings:
    found = db.session.execute(select(FundSettings)).scalar_one_or_none()
    return found or FundSettings(ballot_threshold_fen=200000, ballot_days=5, receipt_prefix="JZ")


def set_settings(*, ballot_threshold_fen: int, ballot_days: int, actor_id: int | None) -> FundSettings:
    errors = {}
    if not 0 < (ballot_threshold_fen or 0) <= MAX_FEN:
        errors["ballot_threshold"] = [_("Give an amount above zero.")]
    if not 1 <= (ballot_days or 0) <= 30:
        errors["ballot_days"] = [_("A ballot lasts one to thirty days.")]
    if errors:
        raise ValidationFailed(errors)
    row = db.session.execute(select(FundSettings)).scalar_one_or_none()
    if row is None:
        row = FundSettings(receipt_prefix="JZ")
        db.session.add(row)
    row.ballot_threshold_fen, row.ballot_days, row.updated_by_id = ballot_threshold_fen, ballot_days, actor_id
    db.session.flush()
    return row


def add_fund(*, name: str, description: str = "", actor_id: int | None = None) -> FundAccount:
    """An earmarked fund of the community's own (e.g. 冬季慰问金)."""
    name, description = (name or "").strip(), (description or "").strip()
    errors = {}
    if problems := text_problems(name, max_length=100, required=True):
        errors["name"] = problems
    if problems := text_problems(description, max_length=500):
        errors["description"] = problems
    existing = ledger.accounts()
    if name and any(a.kind == "fund" and a.name == name for a in existing.values()):
        errors["name"] = [_("A fund of this name exists already.")]
    if errors:
        raise ValidationFailed(errors)
    count = sum(1 for code in existing if code.startswith("earmarked."))
    account = FundAccount(code=f"earmarked.{count + 1}", kind="fund", name=name, description=description)
    db.session.add(account)
    db.session.flush()
    return account


def _fund(account_id, errors: dict, field: str = "account_id") -> FundAccount | None:
    account = ledger.get_account(account_id) if account_id is not None else None
    if account is None or account.kind != "fund":
        errors[field] = [_("Choose one of the community's funds.")]
        return None
    return account


def _amount(fen, errors: dict, field: str = "amount") -> None:
    if isinstance(fen, bool) or not isinstance(fen, int) or fen <= 0:
        errors[field] = [_("Give an amount above zero, in yuan with at most two decimals.")]
    elif fen > MAX_FEN:
        errors[field] = [_("This amount is too large for one entry.")]


def _day(day, errors: dict, field: str) -> date:
    day = day or clock.today()
    if day > clock.today():
        errors[field] = [_("This day is still to come.")]
    return day


def _text(values: dict, errors: dict, field: str, *, max_length: int, required: bool = False) -> str:
    value = (values.get(field) or "").strip()
    if problems := text_problems(value, max_length=max_length, required=required):
        errors[field] = problems
    return value


# --- income and donations -------------------------------------------------------------------------

def record_income(*, source: str, account_id: int, amount_fen: int, received_on: date | None = None,
                  payer: str = "", memo: str = "", actor_id: int | None = None) -> LedgerTransaction:
    """Money received: the street's allocation (社区服务经费, source "government") or other income."""
    errors: dict = {}
    if source not in ("government", "other"):
        errors["source"] = [_("Choose where the money comes from.")]
    fund = _fund(account_id, errors)
    _amount(amount_fen, errors)
    received_on = _day(received_on, errors, "received_on")
    values = {"payer": payer, "memo": memo}
    payer = _text(values, errors, "payer", max_length=200, required=True)
    memo = _text(values, errors, "memo", max_length=300)
    if errors:
        raise ValidationFailed(errors)
    return ledger.post("income", [(fund.id, amount_fen), (ledger.income_account(source).id, -amount_fen)],
                       booked_on=received_on, memo=memo, counterparty=payer, actor_id=actor_id)


def _receipt_no(day: date, skip: int = 0) -> str:
    """JZ2026-0001, numbered per year in the order recorded (a reversed donation keeps its number)."""
    prefix = settings().receipt_prefix or "JZ"
    count = db.session.execute(select(func.count()).select_from(Donation).where(
        Donation.receipt_no.like(f"{prefix}{day.year}-%"))).scalar_one()
    return f"{prefix}{day.year}-{count + 1 + skip:04d}"


def record_donation(*, donor_kind: str, amount_fen: int, account_id: int, unit_id: int | None = None,
                    donor_name: str = "", anonymous: bool = False, received_on: date | None = None,
                    note: str = "", actor_id: int | None = None) -> Donation:
    """A gift from a member unit or a person; `anonymous`: shown as 匿名捐赠 to everyone but the staff and the
    donor (the receipt still names them). The donor unit's representatives are told the receipt is ready."""
    errors: dict = {}
    if donor_kind not in DONOR_KINDS:
        errors["donor_kind"] = [_("Say whether a unit or a person gives.")]
    fund = _fund(account_id, errors)
    _amount(amount_fen, errors)
    received_on = _day(received_on, errors, "received_on")
    unit = None
    if donor_kind == "unit":
        unit = units.get_unit(unit_id) if unit_id is not None else None
        if unit is None:
            errors["unit_id"] = [_("Choose the unit that gives.")]
        donor_name = unit.name if unit is not None else ""
    elif donor_kind == "person":
        unit_id = None
        donor_name = _text({"donor_name": donor_name}, errors, "donor_name", max_length=200, required=True)
    note = _text({"note": note}, errors, "note", max_length=300)
    if errors:
        raise ValidationFailed(errors)
    with force_locale("zh_CN"):
        shown = str(_("Anonymous donation")) if anonymous else donor_name
    tx = ledger.post("donation", [(fund.id, amount_fen), (ledger.income_account("donation").id, -amount_fen)],
                     booked_on=received_on, memo=note, counterparty=shown, actor_id=actor_id)
    for attempt in range(5):  # two donations recorded at once may count the same number: the index tells, try the next
        donation = Donation(donor_kind=donor_kind, unit_id=unit_id, donor_name=donor_name,
                            anonymous=bool(anonymous), amount_fen=amount_fen, account_id=fund.id,
                            received_on=received_on, note=note, receipt_no=_receipt_no(received_on, attempt),
                            transaction_id=tx.id, created_by_id=actor_id)
        try:
            with db.session.begin_nested():
                db.session.add(donation)
            break
        except IntegrityError:
            continue
    else:
        raise Conflict(_("The receipt could not be numbered; please try again."), code="receipt_number")
    if unit is not None:
        reps = list(db.session.execute(select(UnitRepresentative.user_id)
                                       .where(UnitRepresentative.unit_id == unit.id)).scalars())
        if reps:
            notifications.emit("fund.receipt_ready", audience=notifications.to_users(*reps), actor_id=actor_id,
                               payload={"receipt_no": donation.receipt_no, "amount": yuan(amount_fen),
                                        "unit": unit.name, "link": f"/fund/donations/{donation.id}"})
    return donation


def page_donations(*, cursor: str | None = None, limit: int = 50, unit_ids=None):
    """Newest first (cursor-paged by id); a unit's representatives pass their units."""
    stmt = select(Donation)
    if unit_ids is not None:
        stmt = stmt.where(Donation.unit_id.in_(list(unit_ids)))
    return keyset_page(stmt, [Donation.id], cursor=cursor, limit=limit, descending=True)


def page_expenses(*, cursor: str | None = None, limit: int = 50, status: str | None = None):
    stmt = select(Expense) if not status else select(Expense).where(Expense.status == status)
    return keyset_page(stmt, [Expense.id], cursor=cursor, limit=limit, descending=True)


def get_donation(donation_id: int) -> Donation | None:
    return db.session.execute(select(Donation).where(Donation.id == donation_id)).scalar_one_or_none()


def donations(*, year: int | None = None, unit_ids=None, limit: int = 500) -> list[Donation]:
    stmt = select(Donation)
    if year is not None:
        stmt = stmt.where(Donation.received_on.between(date(year, 1, 1), date(year, 12, 31)))
    if unit_ids is not None:
        stmt = stmt.where(Donation.unit_id.in_(list(unit_ids)))
    return list(db.session.execute(stmt.order_by(Donation.received_on.desc(), Donation.id.desc())
                                   .limit(limit)).scalars())


def reverse_entry(tx: LedgerTransaction, *, reason: str, actor_id: int | None) -> LedgerTransaction:
    """Correct a mistaken income or donation: its reversing entry (a donation so reversed is withdrawn). An
    expense's payment is undone by its refund."""
    if problems := text_problems((reason or "").strip(), max_length=300, required=True):
        raise ValidationFailed({"reason": problems})
    if tx.kind == "expense":
        raise Conflict(_("An expense's payment is undone by refunding the expense."), code="expense_payment")
    reversal = ledger.reverse(tx, memo=reason.strip(), actor_id=actor_id)
    db.session.execute(update(Donation).where(Donation.transaction_id == tx.id).values(reversed=True))
    return reversal


# --- expenses -------------------------------------------------------------------------------------

def get_expense(expense_id: int) -> Expense | None:
    return db.session.execute(select(Expense).where(Expense.id == expense_id)).scalar_one_or_none()


def expenses(*, status=None, year: int | None = None, limit: int = 500) -> list[Expense]:
    stmt = select(Expense)
    if status:
        stmt = stmt.where(Expense.status.in_([status] if isinstance(status, str) else list(status)))
    if year is not None:
        stmt = stmt.where(Expense.spent_on.between(date(year, 1, 1), date(year, 12, 31)))
    return list(db.session.execute(stmt.order_by(Expense.id.desc()).limit(limit)).scalars())


def needs_ballot(amount_fen: int) -> bool:
    return amount_fen > settings().ballot_threshold_fen


def _other_staff(actor_id: int | None) -> list[int]:
    return list(db.session.execute(
        select(Membership.user_id).join(MembershipRole, MembershipRole.membership_id == Membership.id)
        .where(MembershipRole.role.in_(STAFF_ROLES), Membership.user_id != (actor_id or 0)).distinct()).scalars())


def yuan(fen: int | None) -> str:
    return f"{(fen or 0) / 100:,.2f}"


def _payload(expense: Expense, **extra) -> dict:
    return {"purpose": expense.purpose, "amount": yuan(expense.amount_fen), "payee": expense.payee,
            "link": f"/fund/expenses/{expense.id}", **extra}


def propose_expense(*, account_id: int, category: str, purpose: str, payee: str, amount_fen: int,
                    spent_on: date | None = None, link_type: str | None = None, link_id: int | None = None,
                    actor_id: int | None = None) -> Expense:
    """An expense to pay from a fund. Up to the community's threshold another member of the staff approves it;
    above it a council ballot opens at once. The other staff are told it waits."""
    errors: dict = {}
    fund = _fund(account_id, errors)
    if category not in CATEGORIES:
        errors["category"] = [_("Choose a category.")]
    values = {"purpose": purpose, "payee": payee}
    purpose = _text(values, errors, "purpose", max_length=300, required=True)
    payee = _text(values, errors, "payee", max_length=200, required=True)
    _amount(amount_fen, errors)
    spent_on = spent_on or clock.today()
    if link_type or link_id is not None:
        if link_type not in links.KINDS:
            errors["link_type"] = [_("Choose what the expense is for.")]
        elif link_id is None or links.resolve(link_type, link_id) is None:
            errors["link_id"] = [_("Nothing of this kind with this number in the community.")]
    if errors:
        raise ValidationFailed(errors)
    expense = Expense(account_id=fund.id, category=category, purpose=purpose, payee=payee, amount_fen=amount_fen,
                      spent_on=spent_on, link_type=link_type or None, link_id=link_id if link_type else None,
                      status="proposed", proposed_by_id=actor_id)
    db.session.add(expense)
    db.session.flush()
    if needs_ballot(amount_fen):
        _open_ballot(expense, actor_id=actor_id)
    elif others := _other_staff(actor_id):
        notifications.emit("fund.expense_waiting", audience=notifications.to_users(*others), actor_id=actor_id,
                           payload=_payload(expense))
    return expense


def _open_ballot(expense: Expense, *, actor_id: int | None) -> None:
    with force_locale("zh_CN"):
        title = _("Spend %(amount)s yuan on “%(purpose)s”?", amount=yuan(expense.amount_fen),
                  purpose=expense.purpose)
        body = _("Paid to %(payee)s from the fund.", payee=expense.payee)
    ballot = ballots.create(subject_type="expense", subject_id=expense.id, title=title, body=body, kind="yes_no",
                            electorate={"roles": ["council"], "user_ids": []}, excluded={},
                            closes_at=clock.utcnow() + timedelta(days=settings().ballot_days),
                            owner_ids=[expense.proposed_by_id] if expense.proposed_by_id else [], actor_id=actor_id)
    expense.ballot_id, expense.status = ballot.id, "voting"
    db.session.flush()


def _decide(expense: Expense, *, to: str, frm: tuple[str, ...], actor_id: int | None, note: str = "") -> None:
    """Move the expense in one conditional UPDATE: of two decisions racing, one moves it, the other is told."""
    moved = db.session.execute(
        update(Expense).where(Expense.id == expense.id, Expense.status.in_(frm))
        .values(status=to, decided_by_id=actor_id, decided_at=clock.utcnow(), decision_note=note)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(expense)
    if not moved:
        raise Conflict(_("This expense was decided already (it is now “%(status)s”).", status=expense.status),
                       code="already_decided")


def approve_expense(expense: Expense, *, actor_id: int) -> Expense:
    """Another member of the staff approves it; never the one who proposed it, nor one the council votes on."""
    if expense.proposed_by_id is not None and expense.proposed_by_id == actor_id:
        raise Conflict(_("You proposed this expense: another member of the staff approves it."), code="self_approval")
    if expense.status == "voting":
        raise Conflict(_("The council decides this expense by ballot."), code="ballot")
    _decide(expense, to="approved", frm=("proposed",), actor_id=actor_id)
    _tell_proposer(expense, actor_id, approved=True)
    return expense


def reject_expense(expense: Expense, *, actor_id: int | None, reason: str) -> Expense:
    reason = (reason or "").strip()
    if problems := text_problems(reason, max_length=500, required=True):
        raise ValidationFailed({"reason": problems})
    if expense.status == "voting" and actor_id is not None:
        ballot = ballots.get(expense.ballot_id) if expense.ballot_id else None
        if ballot is not None and ballot.status != "closed":
            ballots.withdraw(ballot, actor_id=actor_id, reason=reason)
    _decide(expense, to="rejected", frm=WAITING if actor_id is None else ("proposed", "voting"), actor_id=actor_id,
            note=reason)
    _tell_proposer(expense, actor_id, approved=False, reason=reason)
    return expense


def _tell_proposer(expense: Expense, actor_id: int | None, **extra) -> None:
    if expense.proposed_by_id and expense.proposed_by_id != actor_id:
        notifications.emit("fund.expense_decided", audience=notifications.to_users(expense.proposed_by_id),
                           actor_id=actor_id, payload=_payload(expense, **extra))


@signals.ballot_closed.connect
def _on_ballot_closed(sender, *, subject_type: str = "", subject_id=None, outcome: str = "", **_ignored) -> None:
    if subject_type != "expense" or subject_id is None:
        return
    expense = get_expense(int(subject_id))
    if expense is None or expense.status != "voting":
        return  # told twice, or withdrawn meanwhile
    with force_locale("zh_CN"):
        if outcome == "approved":
            _decide(expense, to="approved", frm=("voting",), actor_id=None, note=str(_("Approved by ballot.")))
            _tell_proposer(expense, None, approved=True)
        else:
            reject_expense(expense, actor_id=None, reason=str(_("Not approved by ballot.")))


def pay_expense(expense: Expense, *, actor_id: int | None, paid_on: date | None = None) -> Expense:
    """Pay an approved expense from its fund: once. Two members pressing "pay" at once: one conditional UPDATE
    lets one through, the other gets a 409; the ledger entry is posted by the one that moved it."""
    errors: dict = {}
    paid_on = _day(paid_on, errors, "paid_on")
    if errors:
        raise ValidationFailed(errors)
    if expense.status != "approved":
        raise Conflict(_("Only an approved expense is paid (this one is “%(status)s”).", status=expense.status),
                       code="not_payable")
    # Payments from one fund wait for each other (PostgreSQL: the fund's row locked; SQLite: one writer at a time),
    # so two expenses paid at once never take the fund below zero.
    db.session.execute(select(FundAccount.id).where(FundAccount.id == expense.account_id).with_for_update())
    moved = db.session.execute(
        update(Expense).where(Expense.id == expense.id, Expense.status == "approved")
        .values(status="paid", paid_by_id=actor_id, paid_at=clock.utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        db.session.refresh(expense)
        raise Conflict(_("This expense is paid already."), code="already_paid")
    balance = ledger.balances([expense.account_id]).get(expense.account_id, 0)
    if balance < expense.amount_fen:
        raise Conflict(_("The fund holds %(balance)s yuan, less than this expense.", balance=yuan(balance)),
                       code="insufficient")
    tx = ledger.post("expense", [(ledger.expense_account(expense.category).id, expense.amount_fen),
                                 (expense.account_id, -expense.amount_fen)],
                     booked_on=paid_on, memo=expense.purpose, counterparty=expense.payee, actor_id=actor_id)
    db.session.execute(update(Expense).where(Expense.id == expense.id).values(paid_transaction_id=tx.id)
                       .execution_options(synchronize_session=False))
    db.session.refresh(expense)
    _tell_proposer(expense, actor_id, paid=True)
    return expense


def refund_expense(expense: Expense, *, actor_id: int | None, reason: str) -> Expense:
    """The payee gave the money back (or it was paid by mistake): the payment's reversing entry, once."""
    reason = (reason or "").strip()
    if problems := text_problems(reason, max_length=300, required=True):
        raise ValidationFailed({"reason": problems})
    moved = db.session.execute(
        update(Expense).where(Expense.id == expense.id, Expense.status == "paid").values(status="refunded")
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(expense)
    if not moved:
        raise Conflict(_("Only a paid expense is refunded (this one is “%(status)s”).", status=expense.status),
                       code="not_refundable")
    reversal = ledger.reverse(ledger.get_transaction(expense.paid_transaction_id), memo=reason, actor_id=actor_id)
    db.session.execute(update(Expense).where(Expense.id == expense.id).values(refund_transaction_id=reversal.id)
                       .execution_options(synchronize_session=False))
    db.session.refresh(expense)
    return expense


def withdraw_expense(expense: Expense, *, actor_id: int | None) -> Expense:
    """The proposer takes back a proposal not yet decided."""
    if expense.status == "voting" and expense.ballot_id:
        ballot = ballots.get(expense.ballot_id)
        if ballot is not None and ballot.status != "closed":
            ballots.withdraw(ballot, actor_id=actor_id, reason=_("Withdrawn by the proposer."))
    _decide(expense, to="withdrawn", frm=WAITING, actor_id=actor_id)
    return expense


def waiting_counts() -> dict[str, int]:
    """Expenses waiting for a decision, and approved ones waiting for their payment (one query)."""
    rows = dict(db.session.execute(select(Expense.status, func.count()).where(
        Expense.status.in_(("proposed", "voting", "approved"))).group_by(Expense.status)).all())
    return {"proposed": rows.get("proposed", 0), "voting": rows.get("voting", 0), "approved": rows.get("approved", 0)}


# --- what the pages, the statement and the transparency page read ----------------------------------

def year_totals_select(year: int):
    """One row: the year's income, its spending and the funds' balance at its end, in fen, summed from the month
    totals by the kind of account — the same sums `overview` makes account by account (every income account is a
    source, every expense account a category, every fund's balance its lines up to December)."""
    first, last = year * 100 + 1, year * 100 + 12
    in_year = LedgerMonthTotal.month.between(first, last)
    return (select(
        func.sum(case((and_(FundAccount.kind == "income", in_year), -LedgerMonthTotal.amount_fen), else_=0)),
        func.sum(case((and_(FundAccount.kind == "expense", in_year), LedgerMonthTotal.amount_fen), else_=0)),
        func.sum(case((and_(FundAccount.kind == "fund", LedgerMonthTotal.month <= last),
                       LedgerMonthTotal.amount_fen), else_=0)))
        .select_from(LedgerMonthTotal)
        .join(FundAccount, and_(FundAccount.id == LedgerMonthTotal.account_id,
                                FundAccount.community_id == LedgerMonthTotal.community_id)))


def overview(year: int) -> dict:
    """Balances per account at the year's end (today for this year), the year's income by source and spending by
    category (two GROUP BYs)."""
    accounts = ledger.existing_accounts()
    by_id = {a.id: a for a in accounts.values()}
    totals = ledger.balances(until=date(year, 12, 31))
    moves = ledger.monthly(year)
    in_year: dict[int, int] = {}
    for (account_id, _m), fen in moves.items():
        in_year[account_id] = in_year.get(account_id, 0) + fen
    funds = [a for a in accounts.values() if a.kind == "fund"]
    def moved(code: str) -> int:  # an account not made yet has moved nothing
        return in_year.get(accounts[code].id, 0) if code in accounts else 0

    income = {s: -moved(f"income.{s}") for s in SOURCES}
    spending = {c: moved(f"expense.{c}") for c in CATEGORIES}
    months_in = [0] * 12
    months_out = [0] * 12
    for (account_id, month), fen in moves.items():
        kind = by_id[account_id].kind
        if kind == "income":
            months_in[month - 1] -= fen
        elif kind == "expense":
            months_out[month - 1] += fen
    return {"funds": [(a, totals.get(a.id, 0)) for a in funds], "balance": sum(totals.get(a.id, 0) for a in funds),
            "income": income, "spending": spending, "income_total": sum(income.values()),
            "spending_total": sum(spending.values()), "months_in": months_in, "months_out": months_out,
            "year": year}


def paid_expenses(year: int) -> list[Expense]:
    """The year's expenses paid and not refunded, by the day they were paid (what the public sees)."""
    return list(db.session.execute(
        select(Expense).where(Expense.status == "paid", Expense.spent_on.between(date(year, 1, 1), date(year, 12, 31)))
        .order_by(Expense.spent_on, Expense.id)).scalars())


def public_donors(year: int) -> list[tuple[str, int]]:
    """(name, fen) of the year's donations still standing, anonymous ones under 匿名捐赠 — the donor's name of
    an anonymous gift is never read here."""
    with force_locale("zh_CN"):
        anonymous = str(_("Anonymous donation"))
    rows = db.session.execute(
        select(Donation.anonymous, Donation.donor_name, func.sum(Donation.amount_fen))
        .where(Donation.reversed.is_(False), Donation.received_on.between(date(year, 1, 1), date(year, 12, 31)),
               Donation.anonymous.is_(False))
        .group_by(Donation.anonymous, Donation.donor_name).order_by(func.sum(Donation.amount_fen).desc())).all()
    anonymous_total = db.session.execute(
        select(func.coalesce(func.sum(Donation.amount_fen), 0)).where(
            Donation.reversed.is_(False), Donation.anonymous.is_(True),
            Donation.received_on.between(date(year, 1, 1), date(year, 12, 31)))).scalar_one()
    named = [(name, int(fen)) for _a, name, fen in rows]
    return named + ([(anonymous, int(anonymous_total))] if anonymous_total else [])


def reversed_ids(items: list[LedgerTransaction]) -> set[int]:
    ids = [tx.id for tx in items]
    if not ids:
        return set()
    return set(db.session.execute(select(LedgerTransaction.reverses_id).where(
        LedgerTransaction.reverses_id.in_(ids))).scalars())


def line_sums_by_transaction() -> dict[int, int]:
    """Every transaction's sum of lines (the invariant checks: all zero)."""
    return {tx: int(total) for tx, total in db.session.execute(
        select(LedgerLine.transaction_id, func.sum(LedgerLine.amount_fen)).group_by(LedgerLine.transaction_id))}

