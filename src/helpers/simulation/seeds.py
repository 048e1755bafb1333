"""Every random stream of the validation study, spawned from one master seed with ``numpy.random.SeedSequence``.

The tree (each level is ``SeedSequence.spawn``'s child of the level above)::

    SeedSequence(master_seed)
    └── scenario k (SCENARIO_KEYS)
        ├── 0: the scenario's population
        └── 1: the replicates
            └── r: replicate r (r = 0, 1, 2, ...)

A child is built directly from its spawn key, ``SeedSequence(master_seed, spawn_key=(k, 1, r))``, which is
exactly what ``SeedSequence(master_seed).spawn(k + 1)[k].spawn(2)[1].spawn(r + 1)[r]`` gives (tested), so
replicate r has the same seed however many replicates are run, in whatever order, on however many workers.
"""

from __future__ import annotations

import numpy as np

SCENARIO_KEYS: dict[str, int] = {"eu_effects": 0, "eu_null": 1, "oecd": 2}
"""Scenario name -> its branch of the seed tree (never renumber: it would change every result)."""
POPULATION_BRANCH: int = 0
REPLICATE_BRANCH: int = 1


def scenario_key(scenario: str) -> int:
    """The seed-tree branch of ``scenario``; a clear error for an unknown name."""
    if scenario not in SCENARIO_KEYS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {', '.join(SCENARIO_KEYS)}")
    return SCENARIO_KEYS[scenario]


def population_seed(master_seed: int, scenario: str) -> np.random.SeedSequence:
    """The seed of ``scenario``'s population."""
    return np.random.SeedSequence(int(master_seed), spawn_key=(scenario_key(scenario), POPULATION_BRANCH))


def replicate_seed(master_seed: int, scenario: str, replicate: int) -> np.random.SeedSequence:
    """The seed of replicate ``replicate`` (0-based) of ``scenario``."""
    if replicate < 0:
        raise ValueError(f"replicate numbers start at 0, got {replicate}")
    return np.random.SeedSequence(int(master_seed),
                                  spawn_key=(scenario_key(scenario), REPLICATE_BRANCH, int(replicate)))


def replicate_rng(master_seed: int, scenario: str, replicate: int) -> np.random.Generator:
    """A ``numpy.random.Generator`` on :func:`replicate_seed`."""
    return np.random.default_rng(replicate_seed(master_seed, scenario, replicate))
