"""Role names in the user's language."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Community admin"),
    "coordinator": _l("Coordinator"),
    "council": _l("Council member"),
    "representative": _l("Resident representative"),
    "unit": _l("Unit representative"),
    "resident": _l("Resident"),
}
