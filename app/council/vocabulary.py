"""Council positions in the user's language."""
from flask_babel import lazy_gettext as _l

POSITION_LABELS = {
    "chair": _l("Chairperson"),
    "vice_chair": _l("Vice-chairperson"),
    "secretary": _l("Secretary-general"),
    "member": _l("Council member"),
}
