"""The platform operator's work: a community with its first admin, in one step."""
import logging

from flask_babel import gettext as _

from app.core.validation import ValidationFailed
from app.members import services as members
from tenants import services as tenants
from tenants.context import tenant_context

logger = logging.getLogger(__name__)


def create_community_with_admin(*, slug: str, name: str, street: str | None, admin_login: str,
                                admin_name: str | None) -> tuple:
    """Create the community and make the named person its admin; returns (community, initial password)."""
    errors = {}
    try:
        community = tenants.create_community(slug=slug, name=name, street=street)
    except ValidationFailed as err:
        errors.update(err.fields)
        community = None
    if not (admin_login or "").strip():
        errors["admin_login"] = [_("Give an e-mail address or a mobile number.")]
    if errors:
        raise ValidationFailed(errors)
    with tenant_context(community.id):
        try:
            _membership, password = members.invite(login=admin_login, name=admin_name, roles=["admin"])
        except ValidationFailed as err:
            raise ValidationFailed({f"admin_{k}": v for k, v in err.fields.items()}) from None
    return community, password
