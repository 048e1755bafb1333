"""Helpers for the co-production research compendium.

The notebooks under ``notebooks/`` hold narrative, parameters and calls; the logic lives here
so that it can be tested (see ``tests/``).
"""

__all__ = ["paths"]
