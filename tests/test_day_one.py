"""Day one as a review of every role found it: what a resident, a unit and a coordinator meet first."""
from tests.factories import browser_for


def test_a_residents_meal_request_after_lunch_starts_at_tomorrows_lunch_with_its_title(app, world, clock):
    clock(2026, 11, 30, 14)  # Monday 14:00: today's lunch is over
    grandma = browser_for(app, world["grandma"])
    form = grandma.get("/c/dock/needs/new?kind=meal").get_data(as_text=True)
    assert 'value="2026-12-01"' in form  # tomorrow, not a day whose lunch has passed
    assert 'name="title"' in form and 'value="助餐"' in form  # no title to type


def test_the_kind_step_sent_without_a_choice_says_so_in_chinese(app, world):
    staff = browser_for(app, world["coordinator"])
    refused = staff.get("/c/dock/needs/new?kind=")
    assert refused.status_code == 422 and "请选择一类帮助。" in refused.get_data(as_text=True)
    assert "novalidate" in staff.get("/c/dock/needs/new").get_data(as_text=True)


def test_a_unit_is_not_offered_a_profile_it_does_not_have(app, world):
    unit_page = browser_for(app, world["cook"]).get("/c/dock/home/unit").get_data(as_text=True)
    assert "/c/dock/residents/" not in unit_page
    resident_page = browser_for(app, world["grandma"]).get("/c/dock/home/resident").get_data(as_text=True)
    assert "/c/dock/residents/" in resident_page and "/c/dock/notifications/" in resident_page


def test_a_health_check_request_is_not_explained_with_meal_examples(app, world):
    page = browser_for(app, world["coordinator"]).get("/c/dock/needs/new?kind=health").get_data(as_text=True)
    assert "午饭送餐上门" not in page and "为谁" in page
    assert "午饭送餐上门" in browser_for(app, world["coordinator"]).get("/c/dock/needs/new?kind=meal").get_data(
        as_text=True)


def test_the_residents_meal_button_also_leads_to_a_weekly_plan(app, world):
    home = browser_for(app, world["grandma"]).get("/c/dock/home/resident").get_data(as_text=True)
    assert "每周都要订餐？申请长期助餐" in home and 'href="/c/dock/meals/plans/new"' in home
    assert browser_for(app, world["grandma"]).get("/c/dock/meals/plans/new").status_code == 200
