"""The fund's words for the pages, the files and the API's labels."""
import logging

from flask_babel import lazy_gettext as _l

logger = logging.getLogger(__name__)

SOURCE_LABELS = {"government": _l("Community service funds (from the street)"), "donation": _l("Donations"),
                 "other": _l("Other income")}
CATEGORY_LABELS = {"activity": _l("Activities"), "relief": _l("Visits and relief"), "award": _l("Awards"),
                   "meals": _l("Meals"), "office": _l("Office"), "other": _l("Other")}
KIND_LABELS = {"income": _l("Income"), "donation": _l("Donation"), "expense": _l("Expense"),
               "reversal": _l("Reversal")}
STATUS_LABELS = {"proposed": _l("Waiting for approval"), "voting": _l("Council voting"), "approved": _l("Approved"),
                 "paid": _l("Paid"), "refunded": _l("Refunded"), "rejected": _l("Not approved"),
                 "withdrawn": _l("Withdrawn")}
DONOR_KIND_LABELS = {"unit": _l("A member unit"), "person": _l("A person")}


def account_label(account) -> str:
    """An income or expense account by its meaning (in the reader's language); a fund by its own name."""
    if account.code.startswith("income."):
        return str(SOURCE_LABELS.get(account.code.split(".", 1)[1], account.name))
    if account.code.startswith("expense."):
        return str(CATEGORY_LABELS.get(account.code.split(".", 1)[1], account.name))
    return account.name
