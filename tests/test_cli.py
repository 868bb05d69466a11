"""The `huzhu` command line: communities, users, memberships (run through Flask's CLI test runner)."""
import tomllib
from pathlib import Path

from sqlalchemy import select

from app.accounts import services as accounts
from app.core.extensions import db
from tenants.context import tenant_context
from tenants.models import Community, Membership
from tests.factories import PASSWORD, CommunityFactory, UserFactory, member

ROOT = Path(__file__).resolve().parent.parent


def community(slug) -> Community | None:
    db.session.expire_all()
    return Community.by_slug(slug)


def roles_of(slug, user_id) -> list[str]:
    c = community(slug)
    with tenant_context(c.id):
        m = db.session.execute(select(Membership).where(Membership.user_id == user_id)).scalar_one_or_none()
        return sorted(m.role_names) if m else []


def test_console_script_entry_point_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["huzhu"] == "app.cli:main"
    from app.cli import main

    assert callable(main)


def test_console_script_group_lists_the_commands():
    from click.testing import CliRunner

    from app.cli import cli

    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for name in ("community", "user", "member", "demo", "worker", "db"):
        assert name in result.output


def test_community_create(runner):
    result = runner.invoke(args=["community", "create", "liuyin", "--name", "柳荫社区", "--street", "T街道"])
    assert result.exit_code == 0, result.output
    assert "liuyin" in result.output
    created = community("liuyin")
    assert created.name == "柳荫社区"
    assert created.street.name == "T街道"
    assert created.status == "active"


def test_community_create_without_street(runner):
    result = runner.invoke(args=["community", "create", "qianhai", "--name", "前海社区"])
    assert result.exit_code == 0, result.output
    assert community("qianhai").street is None


def test_two_communities_share_a_street(runner):
    for slug in ("one", "two"):
        assert runner.invoke(args=["community", "create", slug, "--name", slug, "--street", "T街道"]).exit_code == 0
    assert community("one").street_id == community("two").street_id


def test_duplicate_slug_fails_with_a_message(runner):
    CommunityFactory(slug="liuyin", name="柳荫社区")
    result = runner.invoke(args=["community", "create", "liuyin", "--name", "另一个"])
    assert result.exit_code != 0
    assert "slug" in result.output
    assert "Traceback" not in result.output
    assert community("liuyin").name == "柳荫社区"
    count = db.session.execute(select(Community).where(Community.slug == "liuyin")).all()
    assert len(count) == 1


def test_bad_slug_fails_with_a_message(runner):
    for slug in ("Has Space", "api", "x-", "x" * 41, "中文", "a_b"):
        result = runner.invoke(args=["community", "create", slug, "--name", "名"])
        assert result.exit_code != 0, slug
        assert "slug" in result.output
    assert db.session.execute(select(Community)).first() is None


def test_community_create_requires_a_name(runner):
    result = runner.invoke(args=["community", "create", "liuyin"])
    assert result.exit_code != 0
    assert "--name" in result.output
    assert community("liuyin") is None


def test_user_create(runner):
    result = runner.invoke(args=["user", "create", "Wang.Fang@Test.example", "--name", "王芳",
                                 "--password", "liuyin-jie-2026"])
    assert result.exit_code == 0, result.output
    user = accounts.find_user("wang.fang@test.example")
    assert user is not None and user.name == "王芳"
    assert not user.is_operator
    assert accounts.authenticate("wang.fang@test.example", "liuyin-jie-2026").id == user.id
    assert "liuyin-jie-2026" not in user.password_hash


def test_user_create_with_phone_and_operator(runner):
    result = runner.invoke(args=["user", "create", "ops@test.example", "--name", "运维", "--password",
                                 "liuyin-jie-2026", "--phone", "13911112222", "--operator"])
    assert result.exit_code == 0, result.output
    user = accounts.find_user("13911112222")
    assert user.email == "ops@test.example" and user.is_operator


def test_user_create_duplicate_email_fails(runner):
    UserFactory(email="taken@test.example")
    result = runner.invoke(args=["user", "create", "taken@test.example", "--name", "x", "--password",
                                 "liuyin-jie-2026"])
    assert result.exit_code != 0
    assert "email" in result.output
    assert "Traceback" not in result.output


def test_user_create_weak_password_fails(runner):
    for weak in ("short", "12345678", "password"):
        result = runner.invoke(args=["user", "create", "weak@test.example", "--name", "x", "--password", weak])
        assert result.exit_code != 0, weak
        assert "password" in result.output
        assert "Traceback" not in result.output
    assert accounts.find_user("weak@test.example") is None


def test_user_create_bad_email_fails(runner):
    result = runner.invoke(args=["user", "create", "not-an-email", "--name", "x", "--password", "liuyin-jie-2026"])
    assert result.exit_code != 0
    assert "email" in result.output


def test_member_add_with_several_roles(runner):
    runner.invoke(args=["community", "create", "liuyin", "--name", "柳荫社区"])
    runner.invoke(args=["user", "create", "admin@test.example", "--name", "刘书记", "--password", "liuyin-jie-2026"])
    result = runner.invoke(args=["member", "add", "liuyin", "admin@test.example", "--role", "admin",
                                 "--role", "council"])
    assert result.exit_code == 0, result.output
    user = accounts.find_user("admin@test.example")
    assert roles_of("liuyin", user.id) == ["admin", "council"]
    # Adding again adds roles, keeps the old ones, and makes no second membership.
    result = runner.invoke(args=["member", "add", "liuyin", "admin@test.example", "--role", "resident"])
    assert result.exit_code == 0, result.output
    assert roles_of("liuyin", user.id) == ["admin", "council", "resident"]


def test_member_add_by_phone(runner):
    c = CommunityFactory()
    user = UserFactory(email=None, phone="13922223333")
    result = runner.invoke(args=["member", "add", c.slug, "13922223333", "--role", "resident"])
    assert result.exit_code == 0, result.output
    assert roles_of(c.slug, user.id) == ["resident"]


def test_member_add_makes_a_working_login(app, runner):
    runner.invoke(args=["community", "create", "liuyin", "--name", "柳荫社区"])
    runner.invoke(args=["user", "create", "res@test.example", "--name", "居民", "--password", PASSWORD])
    runner.invoke(args=["member", "add", "liuyin", "res@test.example", "--role", "resident"])
    from tests.factories import Browser

    client = app.test_client()
    Browser(client).login("res@test.example")
    landed = client.get("/c/liuyin/", follow_redirects=True)
    assert landed.status_code == 200 and landed.request.path == "/c/liuyin/home/resident"  # a resident's home


def test_member_add_unknown_role_is_rejected(runner):
    c = CommunityFactory()
    user = UserFactory()
    result = runner.invoke(args=["member", "add", c.slug, user.email, "--role", "king"])
    assert result.exit_code != 0
    assert "king" in result.output
    assert "Traceback" not in result.output
    assert roles_of(c.slug, user.id) == []
    # One bad role spoils the lot: nothing is granted.
    result = runner.invoke(args=["member", "add", c.slug, user.email, "--role", "admin", "--role", "king"])
    assert result.exit_code != 0
    assert roles_of(c.slug, user.id) == []


def test_member_add_needs_a_role(runner):
    c = CommunityFactory()
    user = UserFactory()
    result = runner.invoke(args=["member", "add", c.slug, user.email])
    assert result.exit_code != 0
    assert roles_of(c.slug, user.id) == []


def test_member_add_unknown_community_or_user(runner):
    c = CommunityFactory()
    user = UserFactory()
    result = runner.invoke(args=["member", "add", "nowhere", user.email, "--role", "resident"])
    assert result.exit_code != 0 and "nowhere" in result.output
    result = runner.invoke(args=["member", "add", c.slug, "ghost@test.example", "--role", "resident"])
    assert result.exit_code != 0 and "ghost@test.example" in result.output


def test_every_contract_role_is_accepted(runner):
    c = CommunityFactory()
    user = UserFactory()
    roles = ["admin", "coordinator", "council", "representative", "unit", "resident"]
    args = ["member", "add", c.slug, user.email]
    for role in roles:
        args += ["--role", role]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert roles_of(c.slug, user.id) == sorted(roles)


def test_community_suspend_and_restore(runner):
    c = CommunityFactory(slug="liuyin")
    result = runner.invoke(args=["community", "suspend", "liuyin"])
    assert result.exit_code == 0, result.output
    assert community("liuyin").status == "suspended"
    result = runner.invoke(args=["community", "restore", "liuyin"])
    assert result.exit_code == 0, result.output
    assert community("liuyin").status == "active"
    assert community("liuyin").id == c.id


def test_suspend_unknown_community_fails(runner):
    result = runner.invoke(args=["community", "suspend", "nowhere"])
    assert result.exit_code != 0
    assert "nowhere" in result.output


def test_suspended_community_locks_its_members_out_until_restored(app, runner):
    from tests.factories import Browser

    c = CommunityFactory(slug="liuyin")
    user = member(c, "resident")
    client = app.test_client()
    Browser(client).login(user)
    assert client.get("/c/liuyin/", follow_redirects=True).status_code == 200  # on to the resident's home
    runner.invoke(args=["community", "suspend", "liuyin"])
    assert client.get("/c/liuyin/").status_code == 403
    runner.invoke(args=["community", "restore", "liuyin"])
    assert client.get("/c/liuyin/", follow_redirects=True).status_code == 200


def test_worker_without_redis_explains(app, runner):
    app.config["REDIS_URL"] = None
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "REDIS_URL" in result.output
