# SPDX-License-Identifier: GPL-3.0-or-later
"""cassandra_setup's waiting on a new ring: one helper retries a login or a statement until the module's wait, then
fails with a message that says what to do. (Its plan is tested in tests/unit/plugins/module_utils/_cassandra; the
module against a real ring in the prod scenario.) The Cassandra driver is not in the test venv: its exceptions are
stood in for here."""

from __future__ import annotations

import pytest
from ansible_collections.telemetry.stack.plugins.modules import cassandra_setup


class Failed(Exception):
    pass


class Module:
    def __init__(self, wait: int = 10) -> None:
        self.params = {"wait": wait, "host": "node1", "port": 9042, "admin_user": "admin", "admin_password": "secret"}

    def fail_json(self, **kwargs):
        raise Failed(kwargs)


class NoHost(Exception):
    pass


class Clock:
    """time.monotonic and time.sleep: each sleep moves the clock on, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def driver(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(cassandra_setup.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(cassandra_setup.time, "sleep", clock.sleep)
    monkeypatch.setattr(cassandra_setup, "NoHostAvailable", NoHost, raising=False)
    monkeypatch.setattr(cassandra_setup, "Unauthorized", PermissionError, raising=False)
    return clock


def answers_after(failures: list[Exception], value):
    def attempt():
        if failures:
            raise failures.pop(0)
        return value
    return attempt


def test_an_attempt_is_retried_until_it_succeeds() -> None:
    got = cassandra_setup.until_wait(Module(), answers_after([NoHost("starting"), NoHost("starting")], "session"), (NoHost,),
                                     lambda exc: f"no: {exc}")
    assert got == "session"


def test_after_the_wait_the_message_names_the_last_error_and_the_facts_go_with_it() -> None:
    with pytest.raises(Failed) as failed:
        cassandra_setup.until_wait(Module(wait=5), answers_after([NoHost(str(i)) for i in range(10)], None), (NoHost,),
                                   lambda exc: f"no: {exc}", statements=["CREATE ROLE"])
    assert failed.value.args[0] == {"msg": "no: 3", "statements": ["CREATE ROLE"]}


def test_other_errors_are_not_retried() -> None:
    with pytest.raises(ValueError):
        cassandra_setup.until_wait(Module(), answers_after([ValueError("bad")], None), (NoHost,), str)


def test_a_new_ring_is_entered_as_the_default_superuser_once_the_node_answers(monkeypatch) -> None:
    tried = []

    def connect(_p, user, _password):
        tried.append(user)
        if len(tried) == 1:
            raise NoHost("not listening yet")
        if user == "admin":
            raise cassandra_setup.Refused(user)
        return "cluster", "session"
    monkeypatch.setattr(cassandra_setup, "connect", connect)
    assert cassandra_setup.first_login(Module()) == ("cluster", "session", True)
    assert tried == ["admin", "admin", "cassandra"]


def test_a_ring_that_refuses_both_logins_asks_for_the_administrators_password(monkeypatch) -> None:
    def connect(_p, user, _password):
        raise cassandra_setup.Refused(user)
    monkeypatch.setattr(cassandra_setup, "connect", connect)
    with pytest.raises(Failed) as failed:
        cassandra_setup.first_login(Module())
    message = failed.value.args[0]["msg"]
    assert message.startswith("cannot log in to Cassandra at node1:9042 as admin with cassandra_admin_password")
    assert message.endswith("set cassandra_admin_password to the administrator's password")


def test_a_statement_refused_while_the_node_learns_its_roles_is_run_again() -> None:
    class Session:
        calls = 0

        def execute(self, cql, args):
            self.calls += 1
            if self.calls < 3:
                raise PermissionError("no ALTER permission")
            return (cql, args)
    assert cassandra_setup.settled(Module(), Session(), "ALTER ROLE x", ("p",)) == ("ALTER ROLE x", ("p",))
