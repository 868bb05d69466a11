"""Jobs are named by their functions: every schedule and every enqueued job resolves to the function
that declared it, so a rename fails here instead of silently in a worker."""
import ast
from pathlib import Path

import pytest

from jobs import scheduler
from jobs.queues import enqueue_after_commit
from jobs.runner import job_path, resolve

ROOT = Path(__file__).resolve().parents[1]


def test_every_schedule_names_a_module_level_function_of_a_domain_tasks_module(app):
    assert {s.name for s in scheduler.SCHEDULES} >= {
        "outbox_sweeper", "platform_outbox_sweeper", "coordinator_digest", "escalation_sweep", "meal_orders",
        "meal_manifests", "street_referrals", "retention_purge", "exports_purge", "imports_purge"}
    for schedule in scheduler.SCHEDULES:
        assert resolve(job_path(schedule.func)) is schedule.func, schedule.name


def test_every_enqueued_job_is_a_function_that_resolves_again(app):
    """Walk the code for enqueue_after_commit(...) calls: the first argument is a name, never a string."""
    calls = []
    for path in [*ROOT.glob("app/**/*.py"), *ROOT.glob("tenants/*.py"), *ROOT.glob("jobs/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "enqueue_after_commit":
                calls.append((path, node.args[0]))
    assert len(calls) >= 5
    for path, first in calls:
        assert isinstance(first, ast.Name), f"{path}: enqueue_after_commit takes the function, not a string"
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        func = resolve(f"{module}.{first.id}")
        assert resolve(job_path(func)) is func


def test_a_job_named_by_a_string_is_refused(app):
    with pytest.raises(TypeError):
        enqueue_after_commit("app.notifications.services.fan_out", 1)
