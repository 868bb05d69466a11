"""What one domain announces and others react to, without the announcer importing them (blinker, as
Flask uses it). A receiver runs inside the sender's transaction: what it changes commits or rolls back
with the change that caused it. Receivers connect in their own domain's services module."""
import logging

from blinker import Namespace

logger = logging.getLogger(__name__)

_signals = Namespace()

# An offer is closed on a day (sender: the Offer; day=, actor_id=, note=): meal orders of that day are cancelled,
# a venue offer's venue is closed that day (venues).
offer_day_closed = _signals.signal("offer-day-closed")

# A password reset was asked for (sender: the User; code=, minutes=): the notifications domain sends the code.
password_reset_requested = _signals.signal("password-reset-requested")

# A neighbour took a street referral that chose one of its shared offers (sender: the StreetReferral;
# need=, actor_id=): matching proposes that offer for the need registered there.
referral_taken = _signals.signal("referral-taken")

# A need was cancelled (sender: the Need; actor_id=, note=): its live match ends and gives its place back
# (matching), a referral of it is withdrawn (referrals).
need_cancelled = _signals.signal("need-cancelled")

# A match was confirmed, its places booked (sender: the Match; need=, actor_id=): a one-off meal joins the
# canteen's day (meals).
match_confirmed = _signals.signal("match-confirmed")

# A match was marked delivered (sender: the Match; actor_id=): the one-off meal made from it is delivered (meals).
match_delivered = _signals.signal("match-delivered")

# A ballot closed and its result was computed, once (sender: the Ballot; subject_type=, subject_id=,
# outcome= "approved" | "rejected" | "no_quorum" | "vetoed", result= the stored result dict): the subject's
# domain acts on it (an application is admitted or rejected).
ballot_closed = _signals.signal("ballot-closed")

# A unit's status changed (sender: the Unit; old=, new=, actor_id=, note=): a withdrawn or suspended unit's
# open offers are closed (offers).
unit_status_changed = _signals.signal("unit-status-changed")

# A coordinator recorded a paper vote on behalf of an electorate member (sender: the Ballot; voter_id=,
# recorded_by_id=): the audit log keeps who typed whose vote in (residents' audit trail).
paper_vote_recorded = _signals.signal("paper-vote-recorded")

# A venue's owner decided pending dates (sender: the Venue; confirmed=, declined= lists of BookingOccurrence,
# actor_id=): an activity booked on them is scheduled, or goes back to looking for a place (activities).
booking_decided = _signals.signal("booking-decided")

# An offer was published (sender: the flushed Offer; actor_id=): a venue offer makes its bookable venue (venues).
offer_created = _signals.signal("offer-created")
