"""The domains' parts of the year (app.yearbook): units, activities, needs, meals and public works counted
from their records on a small known world (tests/yearworld.py), in community time, in a fixed number of statements
however much data the year holds."""
import pytest

from app import history, yearbook
from app.core.extensions import db
from app.units import services as units
from app.units.models import Unit
from tenants.context import tenant_context
from tests.factories import CommunityFactory
from tests.yearworld import build_year_world, grow


@pytest.fixture
def year_world(app, clock):
    return build_year_world(clock)


def _parts(community, year=2026) -> dict:
    with tenant_context(community.id):
        return {p.name: p for p in yearbook.parts(year)}


def _values(part) -> dict:
    return {f.key: f.value for f in part.figures}


def test_the_units_part_counts_active_units_by_type_admissions_and_withdrawals_of_the_year(year_world):
    part = _parts(year_world["community"])["units"]
    assert _values(part) == {"units": 3, "units_admitted": 1, "units_withdrawn": 1}
    assert part.figure("units").street
    assert sorted(part.tables[0].rows) == [["个体门店", 1], ["学校", 1], ["物业公司", 1]]


def test_the_activities_part_counts_held_recorded_attendance_and_cultural_points(year_world):
    part = _parts(year_world["community"])["activities"]
    assert _values(part) == {"activities": 3, "activities_recorded": 2, "attendance": 6,
                             "cultural_points_met": "0/1"}
    assert part.figure("activities").street
    by_kind = {row[0]: row[1:] for row in part.tables[0].rows}
    assert by_kind == {"会员沙龙": [2, 2, 6], "培训/讲座": [1, 0, 0]}
    assert part.tables[1].rows == [["柳荫小学文化角", 2, 4]]
    by_month = next(c for c in part.charts if c.title == "每月举办的活动")
    assert by_month.series[0].values[:5] == (1, 0, 2, 0, 0)


def test_the_needs_part_counts_met_and_unmet_and_the_median_days_to_a_confirmed_match(year_world):
    part = _parts(year_world["community"])["needs"]
    assert _values(part) == {"needs": 4, "needs_met": 3, "needs_unmet": 1, "median_days_to_match": 4,
                             "needs_disabled": 1, "needs_disabled_met": 1}
    assert part.figure("needs_met").street and not part.figure("needs").street
    assert part.figure("needs_disabled").sensitive and not part.figure("needs_met").sensitive
    by_kind = {row[0]: row[1:] for row in part.tables[0].rows}
    assert by_kind["助餐"] == [2, 2, 0, 3.0]
    assert by_kind["法律援助"] == [2, 1, 1, 6.0]
    chart = part.charts[0]
    assert chart.series[1].values[:6] == (0, 1, 1, 0, 1, 0)


def test_the_meals_part_counts_served_meals_by_slot_and_way_and_month(year_world):
    part = _parts(year_world["community"])["meals"]
    assert _values(part) == {"meals_served": 5, "meals_dine_in": 3, "meals_delivered": 2}
    assert part.figure("meals_served").street
    assert part.tables[0].rows == [["午餐", 3, 2, 5]]
    dine_in, delivery = part.charts[0].series
    assert dine_in.values[:2] == (3, 0) and delivery.values[:2] == (0, 2)


def test_the_public_works_part_sums_quantities_by_measure(year_world):
    part = _parts(year_world["community"])["public_works"]
    assert _values(part) == {"public_works_filed": 2, "public_works_done": 1}
    assert part.tables[0].rows == [["平方米", 100, 100], ["米", 50.5, 20], ["个", 10, 0]]


def test_a_year_without_records_has_no_parts_and_a_part_survives_its_json(year_world):
    before = _parts(year_world["community"], 2024)  # the units' types and the cultural points are of now
    assert set(before) == {"units", "activities"} and _values(before["activities"])["activities"] == 0
    for part in _parts(year_world["community"]).values():
        assert yearbook.Part.from_dict(part.as_dict()).as_dict() == part.as_dict()


def test_every_part_takes_the_same_statements_as_the_year_grows(year_world, count_sql):
    community = year_world["community"]

    def statements() -> int:
        with tenant_context(community.id):
            yearbook.parts(2026)  # the community's time zone is read once per request
            with count_sql() as n:
                found = yearbook.parts(2026)
            assert len(found) == 5
            return n()

    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 3)
    few = statements()
    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 25)
    assert statements() == few
    assert few <= 16


def test_history_of_a_unit_withdrawn_last_year_does_not_count(year_world):
    with tenant_context(year_world["community"].id):
        unit = units.get_unit(year_world["school"])
        history.record(unit, "active", actor_id=None)  # a status entry that is not a withdrawal
        db.session.commit()
    assert _values(_parts(year_world["community"], 2026)["units"])["units_withdrawn"] == 1
    assert "units" not in _parts(year_world["community"], 2025) or \
        _values(_parts(year_world["community"], 2025)["units"])["units_withdrawn"] == 0


def _street_of_parts_and_loaders(community, year) -> tuple[list[dict], list[dict]]:
    with tenant_context(community.id):
        return ([f.as_dict() for f in yearbook.street_figures(yearbook.parts(year))],
                [f.as_dict() for f in yearbook.street_figures_of(year)])


def test_the_street_loaders_give_the_full_parts_street_figures_exactly(year_world, clock):
    """Every part's cheap street loader answers what its full part's street figures say: keys, labels, values,
    units and flags, in order, and nothing when the part has nothing (2024: only the units and activities parts)."""
    community = year_world["community"]
    for year in (2024, 2025, 2026):
        full, street = _street_of_parts_and_loaders(community, year)
        assert street == full, year
    full, _street = _street_of_parts_and_loaders(community, 2026)
    assert {f["key"]: f["value"] for f in full} == {"units": 3, "activities": 3, "needs_met": 3, "needs_disabled": 1,
                                                   "needs_disabled_met": 1, "meals_served": 5}
    # A community with nothing at all: no street figures either way; each loader on its own agrees with its part.
    empty = CommunityFactory(slug="kong", name="空社区")
    assert _street_of_parts_and_loaders(empty, 2026) == ([], [])
    for declared in yearbook.PARTS:
        with tenant_context(community.id):
            loaded = declared.load(2026)
            wanted = [f for f in loaded.figures if f.street] if loaded else []
            assert yearbook.street_figures_of(2026, {declared.name}) == wanted, declared.name


def test_a_part_with_only_its_admissions_or_withdrawals_still_gives_its_street_figure(year_world):
    """No active unit left, but one admitted and one withdrawn this year: the units part exists (0 active), and so
    does its street figure."""
    community = year_world["community"]
    with tenant_context(community.id):
        db.session.execute(db.update(Unit).values(status="withdrawn"))
        db.session.commit()
    full, street = _street_of_parts_and_loaders(community, 2026)
    assert street == full and {f["key"]: f["value"] for f in full}["units"] == 0


def test_the_street_figures_and_report_status_take_the_same_few_statements_as_the_year_grows(year_world, count_sql):
    from app.reports import services as reports

    community = year_world["community"]

    def statements() -> int:
        with tenant_context(community.id):
            yearbook.street_figures_of(2026)  # the community's time zone is read once per request
            with count_sql() as n:
                assert yearbook.street_figures_of(2026)
                status, versions = reports.status_and_versions(2026)
            assert status == reports.status_of(2026) and versions == []
            return n()

    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 3)
    few = statements()
    with tenant_context(community.id):
        grow(year_world["offer"], year_world["school"], 25)
    assert statements() == few
    # One for the street loaders' queries together (units, activities, needs, meals; public works: none), the fund's
    # three and the commendations' one (no street loader: their full parts, filtered), one for the report's status
    # and versions.
    assert few <= 6, few
