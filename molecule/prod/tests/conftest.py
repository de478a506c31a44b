# SPDX-License-Identifier: GPL-3.0-or-later
"""The prod scenario's tests run in file order: the second run (the scenario's idempotence step), the shape and its
firewall, the faults, bad input, then the replacement of a host (which rebuilds one)."""
