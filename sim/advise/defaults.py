"""Defaults of `tokenmaxx advise` (light: the command line reads them to build its help)."""

DEFAULT_BUDGET_RUNS = 1_600
"""Runs the search spends unless told (policies x worlds): 100 policies in 16 worlds, a few
minutes for the default 500-person scenario on 2 cores."""

DEFAULT_WORLDS = 16
"""Worlds each candidate runs in during the search (the same for every candidate)."""

DEFAULT_CHECK_WORLDS = 100
"""Fresh worlds in which the recommendation is checked against the current policy and no KPI."""
