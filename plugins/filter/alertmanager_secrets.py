# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""alertmanager_secrets: an Alertmanager config with its secrets moved to files of their own."""

from __future__ import annotations

from typing import Any

from ansible_collections.telemetry.stack.plugins.module_utils._alertmanager.config import AlertmanagerConfigError, split_secrets
from ansible_collections.telemetry.stack.plugins.plugin_utils._filters import filter_errors


@filter_errors("alertmanager_secrets", AlertmanagerConfigError)
def alertmanager_secrets(config: Any, secret_dir: Any) -> dict:
    return split_secrets(config, str(secret_dir).rstrip("/"))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"alertmanager_secrets": alertmanager_secrets}
