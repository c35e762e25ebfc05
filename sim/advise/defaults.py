"""Defaults of `tokenmaxx advise` (light: the command line reads them to build its help)."""

DEFAULT_BUDGET_RUNS = 2_000
"""Runs the search spends unless told (policies x worlds): 100 policies in 20 worlds, a few
minutes for the default 500-person scenario on 2 cores."""

DEFAULT_WORLDS = 20
"""Worlds each candidate runs in during the search (the same for every candidate)."""

DEFAULT_CHECK_WORLDS = 100
"""Fresh worlds in which the recommendation is checked against the current policy and no KPI."""
