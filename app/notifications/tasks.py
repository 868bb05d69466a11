"""Notifications' periodic work: the outbox sweeper, per community and for account messages."""
import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from app.notifications.services import sweep
from jobs.scheduler import periodic

logger = logging.getLogger(__name__)

periodic("outbox_sweeper", every=timedelta(minutes=1), queue="notifications", after_worker_loss=True,
         description=_l("Re-enqueue notifications left pending, retry due deliveries"))(sweep)


def sweep_platform() -> dict:
    """The same sweep for messages that belong to no community (password resets)."""
    return sweep()


periodic("platform_outbox_sweeper", every=timedelta(minutes=1), per_community=False, queue="notifications",
         description=_l("Re-enqueue account messages left pending, retry their due deliveries"))(sweep_platform)
