"""The run and administration commands: seed-demo, demo, serve, create-token, create-user."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from mqis.accounts.models import ApiToken, Membership, Role, hash_token
from mqis.registry.models import Location, Provider
from mqis.registry.reference import load_reference_councils

PASSWORD = "a-long-test-password"


def run(*args: Any, **options: Any) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def councils(db: None) -> None:
    load_reference_councils()


@pytest.fixture
def new_password(monkeypatch: pytest.MonkeyPatch, fast_hashing: None) -> None:
    monkeypatch.setenv("MQIS_NEW_USER_PASSWORD", PASSWORD)


def test_it_prints_a_token_that_authenticates(db: None) -> None:
    alice = User.objects.create_user("alice")
    out, err = run("create_token", "alice")
    raw = out.strip()
    assert raw.startswith("mqis_") and "\n" not in raw
    assert ApiToken.objects.get(key_hash=hash_token(raw)).user == alice
    assert "shown once" in err


def test_it_refuses_a_token_for_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="no user called 'nobody'"):
        run("create_token", "nobody")
    assert not ApiToken.objects.exists()


def test_it_creates_a_council_user_with_the_password_from_the_environment(
        councils: None, new_password: None) -> None:
    out, _ = run("create_user", "tom", role="council", org="e08000003", email="tom@example.org")
    tom = User.objects.get(username="tom")
    assert tom.check_password(PASSWORD) and tom.email == "tom@example.org"
    assert tom.membership.role == Role.COUNCIL and tom.membership.council.name == "Manchester"
    assert not tom.is_staff
    assert "Manchester" in out


def test_it_creates_regional_provider_and_admin_users(councils: None, new_password: None) -> None:
    Provider.objects.create(cqc_provider_id="1-101641521", name="Example Care Ltd")
    run("create_user", "priya", role="region", org="E12000002")
    run("create_user", "jo", role="provider", org="1-101641521")
    run("create_user", "sam", role="admin")
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"priya": "region", "jo": "provider", "sam": "admin"}
    assert User.objects.get(username="sam").is_superuser


@pytest.mark.parametrize(("options", "message"), [
    ({"role": "boss", "org": "E08000003"}, "Unknown role 'boss'"),
    ({"role": "council"}, "needs --org"),
    ({"role": "council", "org": "E99999999"}, "no council with GSS code 'E99999999'"),
    ({"role": "council", "org": "Manchester"}, "Did you mean E08000003"),
    ({"role": "region", "org": "North West"}, "no region with code"),
    ({"role": "provider", "org": "1-000"}, "no provider with CQC provider ID '1-000'"),
    ({"role": "admin", "org": "E08000003"}, "leave out --org"),
    ({"role": "council", "org": "E08000003", "email": "not-an-address"}, "not an e-mail"),
])
def test_it_explains_what_is_wrong_with_a_new_user(councils: None, new_password: None,
                                                   options: dict[str, str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("create_user", "tom", **options)
    assert not User.objects.filter(username="tom").exists()


def test_it_refuses_a_weak_password_or_a_taken_name(councils: None, fast_hashing: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MQIS_NEW_USER_PASSWORD", "password")
    with pytest.raises(CommandError, match="password is not acceptable"):
        run("create_user", "tom", role="admin")
    User.objects.create_user("tom")
    monkeypatch.setenv("MQIS_NEW_USER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="already exists"):
        run("create_user", "tom", role="admin")


def test_it_asks_for_the_password_only_in_a_terminal(councils: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MQIS_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr("sys.stdin", StringIO(""))
    with pytest.raises(CommandError, match="MQIS_NEW_USER_PASSWORD"):
        run("create_user", "tom", role="admin")


def test_it_seeds_the_demo_once_and_prints_the_sign_ins(db: None, fast_hashing: None,
                                                        settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path
    out, _ = run("seed_demo", "--weeks", "2", "--locations", "0", "--no-progress")
    assert "Loaded the demo North West region" in out
    assert "manchester.officer" in out and "demo-password-2026" in out
    assert Location.objects.filter(is_synthetic=True).count() == 46  # two in each council
    out, _ = run("seed_demo", "--weeks", "2", "--no-progress")
    assert "already loaded" in out and "provider.manager" in out


def test_it_refuses_an_impossible_port() -> None:
    with pytest.raises(CommandError, match="between 1 and 65535"):
        run("serve", port=0)


def test_it_sets_up_loads_and_serves_the_demo(db: None, fast_hashing: None, settings: Any,
                                              tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mqis.accounts.management.commands import demo as demo_command
    from mqis.demo.generator import seed_demo

    settings.DATA_DIR = tmp_path
    served: dict[str, Any] = {}
    monkeypatch.setattr(demo_command, "seed_demo",
                        lambda progress: seed_demo(weeks=1, target_locations=0, progress=False))
    monkeypatch.setattr("waitress.serve", lambda app, **kw: served.update(kw))
    out, _ = run("demo", port=8765)
    assert "Open http://127.0.0.1:8765/ in a browser" in out
    assert "liverpool.officer" in out
    assert served["host"] == "127.0.0.1" and served["port"] == 8765
