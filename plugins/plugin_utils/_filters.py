# -*- coding: utf-8 -*-
# Copyright (c) telemetry.stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the collection's filters share: each is a shell over pure logic in module_utils, whose errors reach the
user as an AnsibleFilterError that names the filter."""

from __future__ import annotations

import functools
from typing import Any, Callable

from ansible.errors import AnsibleFilterError


def filter_errors(name: str, *errors: type[Exception]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate the filter ``name``: an error of one of these types becomes ``telemetry.stack.<name>: <message>``."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except errors as exc:
                raise AnsibleFilterError(f"telemetry.stack.{name}: {exc}") from exc

        return run

    return decorate
