"""The matching engine: hard filters, a score with its reasons, and the optimal batch assignment.

Pure functions over plain values: the services load what they need in a few queries and call these.
Reasons are codes with numbers; they are worded in the reader's language when shown.
"""
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.core.kinds import WEEKDAYS

logger = logging.getLogger(__name__)

WEIGHTS = {"distance": 30.0, "time": 20.0, "rating": 20.0, "load": 15.0, "priority": 15.0}
URGENCY = {"low": 0.2, "normal": 0.4, "high": 0.7, "urgent": 1.0}
GRADE = {1: 0.6, 2: 0.5, 3: 0.3, 4: 0.2}


@dataclass
class NeedFacts:
    """What the engine may know of a need and its beneficiary (sensitive facts only under consent)."""

    id: int
    kind: str
    start: datetime
    end: datetime
    occurrence: str
    quantity: int = 1
    urgency: str = "normal"
    latitude: float | None = None
    longitude: float | None = None
    eligibility: set = field(default_factory=set)  # elderly, disabled, low_income, living_alone
    disability_grade: int | None = None
    slot: str | None = None


@dataclass
class OfferFacts:
    id: int
    unit_id: int
    kind: str
    capacity: int
    booked: int
    eligibility: list
    latitude: float | None
    longitude: float | None
    radius_m: int | None
    weekly: dict
    closed_days: set
    slots: list
    rating: float | None
    valid_from: object = None
    valid_until: object = None
    community_id: int | None = None  # set for a neighbouring community's shared offer
    title: str = ""

    @property
    def left(self) -> int:
        return self.capacity - self.booked


@dataclass
class Candidate:
    offer_id: int
    score: float
    reasons: list
    left: int
    distance_m: float | None
    community_id: int | None = None  # a neighbouring community's shared offer: referred, never matched here
    community_name: str | None = None
    title: str | None = None


def distance_m(lat1, lon1, lat2, lon2) -> float | None:
    if None in (lat1, lon1, lat2, lon2):
        return None
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def available(offer: OfferFacts, start: datetime, end: datetime) -> bool:
    """Open for the whole window: valid on that day, not closed, and inside the weekly hours."""
    day = start.date()
    if offer.valid_from and day < offer.valid_from or offer.valid_until and day > offer.valid_until:
        return False
    if day in offer.closed_days:
        return False
    if not offer.weekly:
        return True
    hours = offer.weekly.get(WEEKDAYS[start.weekday()], [])
    begin, finish = start.strftime("%H:%M"), (end - timedelta(seconds=1)).strftime("%H:%M")
    same_day = end - start <= timedelta(days=1) and (end - timedelta(seconds=1)).date() == day
    return same_day and any(a <= begin and finish < b for a, b in hours)


def eligible(offer: OfferFacts, need: NeedFacts) -> bool:
    allowed = set(offer.eligibility or ["anyone"])
    return "anyone" in allowed or bool(allowed & need.eligibility)


def priority(need: NeedFacts) -> float:
    """0–1: urgency, disability grade, living alone; who should be served first when places are short."""
    value = URGENCY.get(need.urgency, 0.4)
    if need.disability_grade:
        value += GRADE.get(need.disability_grade, 0.2)
    if "living_alone" in need.eligibility:
        value += 0.3
    return min(1.0, value / 1.6)


def score(offer: OfferFacts, need: NeedFacts, distance: float | None) -> tuple[float, list]:
    reasons = []
    if distance is None:
        closeness = 0.5
    else:
        limit = offer.radius_m or 3000
        closeness = max(0.0, 1 - distance / max(limit, 1))
        reasons.append({"code": "distance", "m": int(round(distance, -1))})
    reasons.append({"code": "left", "n": offer.left, "kind": offer.kind, "slot": need.slot})
    if offer.rating is not None:
        reasons.append({"code": "rating", "r": offer.rating})
    load = offer.booked / offer.capacity if offer.capacity else 1.0
    total = (WEIGHTS["distance"] * closeness + WEIGHTS["time"] * 1.0
             + WEIGHTS["rating"] * ((offer.rating or 3.5) / 5) + WEIGHTS["load"] * (1 - load)
             + WEIGHTS["priority"] * priority(need))
    if need.disability_grade or "living_alone" in need.eligibility:
        reasons.append({"code": "priority"})
    return round(total, 2), reasons


def candidates(need: NeedFacts, offers: list[OfferFacts], limit: int = 10, *,
               now: datetime | None = None) -> list[Candidate]:
    """The offers that pass every hard filter for the need, best first; none once its window is over
    (`now`: the community's clock)."""
    if now is not None and need.end <= now:
        return []
    found = []
    for offer in offers:
        if offer.kind != need.kind or offer.left < need.quantity or not eligible(offer, need):
            continue
        if need.slot and offer.slots and need.slot not in offer.slots:
            continue
        if not available(offer, need.start, need.end):
            continue
        distance = distance_m(need.latitude, need.longitude, offer.latitude, offer.longitude)
        if distance is not None and offer.radius_m is not None and distance > offer.radius_m:
            continue
        value, reasons = score(offer, need, distance)
        found.append(Candidate(offer.id, value, reasons, offer.left, distance, offer.community_id))
    found.sort(key=lambda c: (-c.score, c.offer_id))
    return found[:limit]


# --- batch ----------------------------------------------------------------------------------------

SERVE_BONUS = 1_000_000  # one more need served outweighs any difference in score


def optimal_assignment(needs: list[NeedFacts], offers: list[OfferFacts], *,
                       now: datetime | None = None) -> dict[int, int]:
    """{need_id: offer_id}: the most needs served, then the highest total score (min-cost max-flow).

    Every need in a batch takes one place (a meal is one per person); capacity is per offer and
    occurrence, so all needs of one batch share the offers' places of that day and slot.
    """
    from ortools.graph.python import min_cost_flow  # lazily: ortools is large and only the batch assignment needs it

    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1
    need_node = {n.id: 2 + i for i, n in enumerate(needs)}
    pool_node: dict[tuple[int, str], int] = {}
    pool_left: dict[tuple[int, str], int] = {}
    arcs: list[tuple[int, int, int]] = []  # (arc index, need id, offer id)
    offer_by_id = {o.id: o for o in offers}
    next_node = 2 + len(needs)
    for need in needs:
        options = candidates(need, offers, limit=len(offers), now=now)
        if not options:
            continue
        flow.add_arc_with_capacity_and_unit_cost(source, need_node[need.id], 1, 0)
        for option in options:
            key = (option.offer_id, need.occurrence)
            if key not in pool_node:
                pool_node[key], next_node = next_node, next_node + 1
                pool_left[key] = offer_by_id[option.offer_id].left
            cost = -int(SERVE_BONUS + option.score * 100)
            arc = flow.add_arc_with_capacity_and_unit_cost(need_node[need.id], pool_node[key], 1, cost)
            arcs.append((arc, need.id, option.offer_id))
    for key, node in pool_node.items():
        flow.add_arc_with_capacity_and_unit_cost(node, sink, max(0, pool_left[key]), 0)
    if not arcs:
        return {}
    # The solver pushes as much of the source's supply as the network lets through, at the least cost.
    flow.set_node_supply(source, len(needs))
    flow.set_node_supply(sink, -len(needs))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"assignment solver ended with status {status}")
    return {need_id: offer_id for arc, need_id, offer_id in arcs if flow.flow(arc) > 0}


def greedy_assignment(needs: list[NeedFacts], offers: list[OfferFacts], *,
                      now: datetime | None = None) -> dict[int, int]:
    """First come, first served: each need in turn takes its best offer with room left."""
    offer_by_id = {o.id: o for o in offers}
    left, chosen = {}, {}
    for need in needs:
        for option in candidates(need, offers, limit=len(offers), now=now):
            key = (option.offer_id, need.occurrence)
            room = left.setdefault(key, offer_by_id[option.offer_id].left)
            if room >= 1:
                left[key] = room - 1
                chosen[need.id] = option.offer_id
                break
    return chosen
