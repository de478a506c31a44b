# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Alertmanager's config as the alertmanager role writes it: secrets moved to files of their own, and the mistakes
that Alertmanager would only report as a failed reload, found before any host changes."""

from __future__ import annotations

import re
from typing import Any


class AlertmanagerConfigError(ValueError):
    """The config is not a mapping of the shape Alertmanager reads."""


# The secrets Alertmanager can read from a file instead (the setting with _file appended), where they sit.
GLOBAL_SECRETS = frozenset({
    "smtp_auth_password", "smtp_auth_secret", "slack_api_url", "slack_app_token", "opsgenie_api_key", "victorops_api_key",
    "telegram_bot_token", "wechat_api_secret", "mattermost_webhook_url", "rocketchat_token", "rocketchat_token_id",
})
RECEIVER_SECRETS = {
    "discord_configs": {"webhook_url"},
    "email_configs": {"auth_password", "auth_secret"},
    "incidentio_configs": {"url", "alert_source_token"},
    "mattermost_configs": {"webhook_url"},
    "msteams_configs": {"webhook_url"},
    "msteamsv2_configs": {"webhook_url"},
    "opsgenie_configs": {"api_key"},
    "pagerduty_configs": {"routing_key", "service_key"},
    "pushover_configs": {"user_key", "token"},
    "rocketchat_configs": {"token", "token_id"},
    "slack_configs": {"api_url", "app_token"},
    "telegram_configs": {"bot_token"},
    "victorops_configs": {"api_key"},
    "webhook_configs": {"url"},
    "wechat_configs": {"api_secret"},
}
# Inside any http_config: the path to the secret, and the setting that names its file.
HTTP_SECRETS = {("basic_auth", "password"): "password_file", ("authorization", "credentials"): "credentials_file",
                ("oauth2", "client_secret"): "client_secret_file", ("bearer_token",): "bearer_token_file"}


DURATION = re.compile(r"^([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$")
ROUTE_DURATIONS = ("group_wait", "group_interval", "repeat_interval")


def _file_name(*parts: Any) -> str:
    return ".".join(re.sub(r"[^A-Za-z0-9_-]+", "_", str(p)) for p in parts)


def _move(section: dict, key: str, file_key: str, secret_dir: str, name: str, files: dict[str, str]) -> None:
    value = section.get(key)
    if value is None or value == "" or file_key in section:
        return
    path = f"{secret_dir}/{name}"
    files[path] = str(value)
    del section[key]
    section[file_key] = path


def _http_config(http: Any, secret_dir: str, prefix: tuple, files: dict[str, str]) -> None:
    if not isinstance(http, dict):
        return
    for path, file_key in HTTP_SECRETS.items():
        section = http
        for part in path[:-1]:
            section = section.get(part) if isinstance(section, dict) else None
        if isinstance(section, dict):
            _move(section, path[-1], file_key, secret_dir, _file_name(*prefix, "http_config", *path), files)


def split_secrets(config: Any, secret_dir: str) -> dict[str, Any]:
    """The config with each secret replaced by the setting that reads it from a file, and those files.

    Returns ``{'config': <config without secrets>, 'files': {path: secret}}``. A secret given as a file already
    (``url_file``, ``auth_password_file``, ...) is left alone.
    """
    if not isinstance(config, dict):
        raise AlertmanagerConfigError(f"the config must be a mapping, got {type(config).__name__}")
    files: dict[str, str] = {}
    out = dict(config.items())
    if isinstance(out.get("global"), dict):
        glob = dict(out["global"])
        for key in sorted(GLOBAL_SECRETS):
            _move(glob, key, key + "_file", secret_dir, _file_name("global", key), files)
        if "http_config" in glob:
            glob["http_config"] = _copy(glob["http_config"])
            _http_config(glob["http_config"], secret_dir, ("global",), files)
        out["global"] = glob
    receivers = []
    for receiver in out.get("receivers") or []:
        receiver = _copy(receiver)
        if isinstance(receiver, dict):
            for kind, entries in receiver.items():
                if not isinstance(entries, list):
                    continue
                for index, entry in enumerate(entries):
                    if not isinstance(entry, dict):
                        continue
                    prefix = (receiver.get("name", "receiver"), kind, index)
                    for key in sorted(RECEIVER_SECRETS.get(kind, ())):
                        _move(entry, key, key + "_file", secret_dir, _file_name(*prefix, key), files)
                    _http_config(entry.get("http_config"), secret_dir, prefix, files)
        receivers.append(receiver)
    if "receivers" in out:
        out["receivers"] = receivers
    return {"config": out, "files": files}


def _copy(value: Any) -> Any:
    """A copy of nested mappings and lists (Ansible 2.19's lazy containers do not deepcopy)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _routes(route: Any, where: str):
    """Each route of the tree with the variable path that names it."""
    if not isinstance(route, dict):
        return
    yield where, route
    for index, child in enumerate(route.get("routes") or []):
        yield from _routes(child, f"{where}.routes[{index}]")


def problems(config: Any, names: dict[str, str] | None = None) -> list[str]:
    """What Alertmanager would refuse in the config's references, one message each, naming the setting and the fix.

    ``names`` maps the config's sections to the variables that set them (route -> alertmanager_route, ...).
    """
    names = {"route": "route", "receivers": "receivers", "time_intervals": "time_intervals", **(names or {})}
    if not isinstance(config, dict):
        return [f"the Alertmanager config must be a mapping, got {type(config).__name__}"]
    out: list[str] = []
    receivers = config.get("receivers") or []
    if not isinstance(receivers, list) or not all(isinstance(r, dict) and r.get("name") for r in receivers):
        return [f"{names['receivers']} must be a list of receivers, each with a name"]
    defined = [r["name"] for r in receivers]
    for name in sorted({n for n in defined if defined.count(n) > 1}):
        out.append(f"{names['receivers']} defines the receiver {name!r} more than once: give each a unique name")
    intervals = [t.get("name") for t in (config.get("time_intervals") or []) + (config.get("mute_time_intervals") or [])
                 if isinstance(t, dict)]
    route = config.get("route")
    if not isinstance(route, dict):
        return out + [f"{names['route']} must be a mapping with at least a receiver"]
    if not route.get("receiver"):
        out.append(f"{names['route']}.receiver is not set: the top of the route tree needs a default receiver, one of "
                   f"{', '.join(defined) or 'none defined yet'}")
    for where, node in _routes(route, names["route"]):
        receiver = node.get("receiver")
        if receiver and receiver not in defined:
            out.append(f"{where}.receiver is {receiver!r}, which {names['receivers']} does not define: "
                       f"use one of {', '.join(defined) or 'none defined yet'}, or add it to {names['receivers']}")
        for key in ROUTE_DURATIONS:
            value = node.get(key)
            if value is not None and (not isinstance(value, str) or not value or not DURATION.match(value)):
                out.append(f"{where}.{key} must be a duration such as 30s, 5m or 4h, got {value!r}")
        for key in ("mute_time_intervals", "active_time_intervals"):
            for interval in node.get(key) or []:
                if interval not in intervals:
                    out.append(f"{where}.{key} names {interval!r}, which {names['time_intervals']} does not define: "
                               f"use one of {', '.join(i for i in intervals if i) or 'none defined yet'}")
    return out
