"""Words of the applications' pages: statuses, thresholds and what a veto limit does, in the reader's language."""
from flask_babel import lazy_gettext as _l

from app.core.kinds import KIND_LABELS
from app.units.vocabulary import TYPE_LABELS

STATUS_LABELS = {
    "submitted": _l("Submitted, waiting for the council"),
    "under_review": _l("Under review by the council"),
    "info_requested": _l("More information asked for"),
    "resubmitted": _l("Completed, waiting for the council"),
    "ballot": _l("In the vote"),
    "admitted": _l("Admitted"),
    "rejected": _l("Not admitted"),
    "withdrawn": _l("Withdrawn by the applicant"),
}
THRESHOLD_LABELS = {"majority": _l("A simple majority of the votes for and against"),
                    "two_thirds": _l("Two thirds of the votes for and against")}
VETO_ACTION_LABELS = {"return": _l("The application goes back to the council"),
                      "reject": _l("The application is rejected")}
# What the association does with the data of an application: the text the applicant consents to.
CONSENT_TEXT = _l("The association keeps these data to review the application and, once the unit is admitted, "
                  "to register it as a member unit: the council and the community's staff read them; the unit's "
                  "name, type and what it offers appear on the community's pages; the contact's name and mobile "
                  "number are never shown publicly. An application that is not admitted is kept for two years, "
                  "then deleted.")

# The form's fields in their order, with their labels: the error summary links each mistake to its field.
FIELD_LABELS = {
    "unit_name": _l("Unit name"), "unit_type": _l("Kind of unit"), "credit_code": _l("Unified social credit code"),
    "address": _l("Address"), "contact_name": _l("Full name"), "contact_mobile": _l("Mobile number"),
    "contact_email": _l("E-mail (optional)"), "offers": _l("What the unit can offer"),
    "needs": _l("What the unit needs from the association (optional)"), "motivation": _l("Why the unit wants to join"),
    "password": _l("Choose a password"), "note": _l("What you added or changed (for the council)"),
    "consent": _l("I agree that the association uses these data as described above."),
}


def labels() -> dict:
    return {"APP_STATUS_LABELS": STATUS_LABELS, "THRESHOLD_LABELS": THRESHOLD_LABELS,
            "VETO_ACTION_LABELS": VETO_ACTION_LABELS, "TYPE_LABELS": TYPE_LABELS, "KIND_LABELS": KIND_LABELS,
            "CONSENT_TEXT": CONSENT_TEXT, "FIELD_LABELS": FIELD_LABELS}
