"""What one domain announces and others react to, without the announcer importing them (blinker, as
Flask uses it). A receiver runs inside the sender's transaction: what it changes commits or rolls back
with the change that caused it. Receivers connect in their own domain's services module."""
import logging

from blinker import Namespace

logger = logging.getLogger(__name__)

_signals = Namespace()

# An offer is closed on a day (sender: the Offer; day=, actor_id=): meal orders of that day are cancelled.
offer_day_closed = _signals.signal("offer-day-closed")
