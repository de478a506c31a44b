# SPDX-License-Identifier: GPL-3.0-or-later
"""Alertmanager's config as the role writes it: every secret in a file of its own, and broken references named."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.telemetry.stack.plugins.filter.alertmanager_problems import alertmanager_problems
from ansible_collections.telemetry.stack.plugins.filter.alertmanager_secrets import alertmanager_secrets
from ansible_collections.telemetry.stack.plugins.module_utils._alertmanager.config import problems, split_secrets

DIR = "/etc/alertmanager/secrets"
CONFIG = {
    "global": {"smtp_smarthost": "mail:587", "smtp_auth_username": "am", "smtp_auth_password": "mail-pass",
               "http_config": {"authorization": {"credentials": "global-token"}}},
    "route": {"receiver": "critical"},
    "receivers": [
        {"name": "critical",
         "webhook_configs": [{"url": "https://hooks.example/T0KEN", "http_config": {"basic_auth": {"username": "u", "password": "hook-pass"}}}],
         "email_configs": [{"to": "oncall@example.com", "auth_password": "mail-pass-2"}],
         "pagerduty_configs": [{"routing_key": "pd-key", "url": "https://events.pagerduty.com/v2/enqueue"}],
         "slack_configs": [{"api_url": "https://hooks.slack.com/services/X", "channel": "#alerts"}],
         "opsgenie_configs": [{"api_key": "og-key", "api_url": "https://api.eu.opsgenie.com/"}],
         "telegram_configs": [{"bot_token": "tg-token", "chat_id": 42}]},
        {"name": "kept", "webhook_configs": [{"url_file": "/run/secrets/hook"}]},
    ],
}
SECRETS = {"mail-pass", "global-token", "https://hooks.example/T0KEN", "hook-pass", "mail-pass-2", "pd-key",
           "https://hooks.slack.com/services/X", "og-key", "tg-token"}


def test_every_secret_moves_to_its_own_file_and_nothing_else_does() -> None:
    split = split_secrets(CONFIG, DIR)
    assert set(split["files"].values()) == SECRETS
    text = repr(split["config"])
    assert not [s for s in SECRETS if s in text]
    glob = split["config"]["global"]
    assert glob["smtp_auth_password_file"] == f"{DIR}/global.smtp_auth_password"
    assert glob["http_config"]["authorization"] == {"credentials_file": f"{DIR}/global.http_config.authorization.credentials"}
    critical = split["config"]["receivers"][0]
    assert critical["webhook_configs"][0]["url_file"] == f"{DIR}/critical.webhook_configs.0.url"
    assert critical["webhook_configs"][0]["http_config"]["basic_auth"] == {
        "username": "u", "password_file": f"{DIR}/critical.webhook_configs.0.http_config.basic_auth.password"}
    # Not secrets, or settings Alertmanager cannot read from a file: left where they are.
    assert critical["pagerduty_configs"][0]["url"] == "https://events.pagerduty.com/v2/enqueue"
    assert critical["opsgenie_configs"][0]["api_url"] == "https://api.eu.opsgenie.com/"
    assert critical["telegram_configs"][0]["chat_id"] == 42
    assert critical["email_configs"][0]["to"] == "oncall@example.com"
    # A secret already in a file stays as given.
    assert split["config"]["receivers"][1] == {"name": "kept", "webhook_configs": [{"url_file": "/run/secrets/hook"}]}
    # The input is not changed.
    assert CONFIG["receivers"][0]["webhook_configs"][0]["url"] == "https://hooks.example/T0KEN"


def test_odd_receiver_names_make_safe_file_names() -> None:
    split = split_secrets({"receivers": [{"name": "team a/b", "webhook_configs": [{"url": "x"}]}]}, DIR)
    assert list(split["files"]) == [f"{DIR}/team_a_b.webhook_configs.0.url"]


def test_the_filter_names_itself_on_bad_input() -> None:
    with pytest.raises(AnsibleFilterError, match="telemetry.stack.alertmanager_secrets: the config must be a mapping"):
        alertmanager_secrets(["not", "a", "mapping"], DIR)
    assert alertmanager_secrets({"route": {}}, DIR + "/") == {"config": {"route": {}}, "files": {}}


NAMES = {"route": "alertmanager_route", "receivers": "alertmanager_receivers", "time_intervals": "alertmanager_time_intervals"}


def test_a_sound_config_has_no_problems() -> None:
    config = {"route": {"receiver": "a", "group_wait": "30s", "routes": [{"receiver": "b", "mute_time_intervals": ["night"],
                                                                         "repeat_interval": "1h30m"}]},
              "receivers": [{"name": "a"}, {"name": "b"}], "time_intervals": [{"name": "night"}]}
    assert problems(config, NAMES) == []


@pytest.mark.parametrize(("config", "message"), [
    ({"route": {"receiver": "a", "routes": [{"receiver": "pager"}]}, "receivers": [{"name": "a"}]},
     "alertmanager_route.routes[0].receiver is 'pager', which alertmanager_receivers does not define: use one of a, "
     "or add it to alertmanager_receivers"),
    ({"route": {}, "receivers": [{"name": "a"}]}, "alertmanager_route.receiver is not set"),
    ({"route": {"receiver": "a"}, "receivers": [{"name": "a"}, {"name": "a"}]},
     "alertmanager_receivers defines the receiver 'a' more than once"),
    ({"route": {"receiver": "a", "routes": [{"routes": [{"active_time_intervals": ["weekend"]}]}]}, "receivers": [{"name": "a"}],
      "time_intervals": [{"name": "night"}]},
     "alertmanager_route.routes[0].routes[0].active_time_intervals names 'weekend', which alertmanager_time_intervals does not define: use one of night"),
    ({"route": {"receiver": "a", "group_wait": "soon"}, "receivers": [{"name": "a"}]},
     "alertmanager_route.group_wait must be a duration such as 30s, 5m or 4h, got 'soon'"),
    ({"route": {"receiver": "a"}, "receivers": [{"webhook_configs": []}]}, "alertmanager_receivers must be a list of receivers, each with a name"),
    ({"receivers": []}, "alertmanager_route must be a mapping with at least a receiver"),
], ids=["unknown-receiver", "no-default", "duplicate", "unknown-interval", "bad-duration", "nameless", "no-route"])
def test_each_problem_names_the_setting_and_the_fix(config: dict, message: str) -> None:
    found = alertmanager_problems(config, NAMES)
    assert any(message in p for p in found), found


def test_not_a_mapping() -> None:
    assert problems("route: x") == ["the Alertmanager config must be a mapping, got str"]
