# SPDX-License-Identifier: GPL-3.0-or-later
"""The prod scenario's tests run in file order: the shape, the faults, bad input, then the replacement of a host
(which rebuilds one)."""
