"""The JSON API under /api/v1: every domain's blueprint registered on one flask-smorest Api (a composition root)."""
import logging

from app.core.apidoc import Api

logger = logging.getLogger(__name__)


def register_api(app) -> None:
    api = Api(app, spec_kwargs={"info": {"description": "Huzhu (互助) community mutual-aid association API"}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    from app.accounts.api import blp as accounts_api
    from app.announcements.api import blp as announcements_api
    from app.matching.api import blp as matches_api
    from app.matching.referral_api import blp as referrals_api
    from app.meals.api import blp as meals_api
    from app.members.api import blp as members_api
    from app.needs.api import blp as needs_api
    from app.notifications.api import blp as notifications_api
    from app.notifications.api import community_blp as deliveries_api
    from app.offers.api import blp as offers_api
    from app.platform.api import blp as platform_api
    from app.publicworks.api import blp as public_works_api
    from app.residents.api import blp as residents_api
    from app.units.api import blp as units_api

    for blueprint in (accounts_api, platform_api, members_api, units_api, announcements_api, notifications_api,
                      deliveries_api, residents_api, offers_api, needs_api, matches_api,
                      meals_api, referrals_api, public_works_api):
        api.register_blueprint(blueprint)
    app.extensions["huzhu_api"] = api
