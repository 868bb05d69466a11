"""Words for residents' data in the user's language."""
from flask_babel import lazy_gettext as _l

DISABILITY_LABELS = {
    "physical": _l("Physical (肢体)"),
    "intellectual": _l("Intellectual (智力)"),
    "visual": _l("Visual (视力)"),
    "hearing": _l("Hearing (听力)"),
    "mental": _l("Mental (精神)"),
    "speech": _l("Speech (言语)"),
    "multiple": _l("Multiple (多重)"),
}
SENSITIVE_LABELS = {
    "disability_category": _l("Disability category"),
    "disability_grade": _l("Disability grade"),
    "low_income": _l("Minimum living allowance (低保)"),
    "living_alone": _l("Living alone"),
    "special_hardship": _l("Special hardship"),
}
METHOD_LABELS = {"online": _l("Online"), "in_person": _l("In person"), "phone": _l("By phone"),
                 "paper": _l("On paper")}
RELATION_LABELS = {"self": _l("Themself"), "child": _l("Son or daughter"), "spouse": _l("Spouse"),
                   "relative": _l("Relative"), "other": _l("Other")}
# An eligibility check reads the sensitive attributes for a purpose, recorded in the audit's field column.
PURPOSE_LABELS = {"matching": _l("Eligibility, to match needs with offers"),
                  "meals": _l("Eligibility, for a meal plan"), "meal_price": _l("Eligibility, for meal prices")}
ACTION_LABELS = {"read": _l("read"), "change": _l("changed"), "consent": _l("consent recorded"),
                 "withdraw": _l("consent withdrawn"), "export": _l("exported"),
                 "download": _l("export downloaded"),
                 "deletion_request": _l("deletion requested"), "erase": _l("erased"),
                 "paper_vote": _l("paper vote recorded")}
