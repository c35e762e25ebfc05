"""Answers over plausible worlds (model brief 11.1).

A *world* is one draw of the calibration's posterior (the parameters a scenario leaves to the
defaults) and one seed. A scenario is run in every world, and so is its counterfactual (by
default the same organisation with no KPI reward; or a baseline scenario the user names), so
every difference is paired: same parameters, same seed, same seats. An answer is the
distribution over worlds: median, 90% interval and the probability of the sign that decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate.posterior import Posterior
from sim.runner import run_batches, with_seed
from sim.scenario.io import apply_changes
from sim.scenario.schema import Scenario

DEFAULT_WORLDS = 100
"""Worlds a `tokenmaxx run` uses unless told: a few seconds for the default scenario on one core."""

INTERVAL = 0.90
"""The interval every ensemble headline carries."""

NO_KPI = "no KPI"
"""The label of the default counterfactual."""

PAIRED = ("true_value_usd", "reported_value_usd", "ai_spend_usd", "performative_hours", "true_hours_saved",
          "wasted_spend_usd", "wasted_hours_cost_usd", "tokens", "co2_kg", "roi_true", "roi_reported")
"""Summary values whose paired difference (scenario - counterfactual) each world records."""

LABELS = ("name", "seed", "employees", "weeks", "kpi_regime", "kpi_scheme", "valuation")
"""Summary values that name the run rather than measure it: the same in every world (or the world's own)."""

KEPT = ("roi_true", "roi_reported", "true_value_usd", "reported_value_usd", "ai_spend_usd", "licence_cost_usd",
        "performative_share", "gaming_share_mean", "kpi_inflation", "wasted_spend_share", "value_overstatement",
        "performative_hours", "true_hours_saved", "wasted_spend_usd", "wasted_hours_cost_usd", "tokens", "co2_kg",
        "flags_on_honest", "final_kpi_regime")
"""The baseline's summary values each world's row keeps (as ``baseline_<key>``)."""


@dataclass(frozen=True)
class World:
    """One plausible world: a posterior draw (None: the scenario as written) and a seed."""

    index: int
    draw: int | None
    seed: int
    params: dict[str, float] = field(default_factory=dict)


def user_set(scenario: Scenario, path: str) -> bool:
    """Whether the scenario (its file, what it extends, or an override) sets `path` itself,
    rather than leaving it to the library's default."""
    node: Any = scenario
    for part in path.split("."):
        if not hasattr(node, "model_fields_set"):
            return True  # a plain value the scenario set (a trait given as a number) covers its sub-keys
        if part not in node.model_fields_set:
            return False
        node = getattr(node, part)
    return True


def drawn_parameters(scenario: Scenario, worlds: list[World]) -> list[str]:
    """The worlds' parameters this scenario leaves to the defaults: drawn in every world."""
    return [key for key in (worlds[0].params if worlds else {}) if not user_set(scenario, key)]


def make_worlds(n: int, seed: int, posterior: Posterior | None) -> list[World]:
    """`n` worlds: posterior draws (in proportion to their weights) each with its own seed, both
    spawned from `seed`, so the same call gives the same worlds. With no posterior, worlds differ
    only in their seed (the defaults' values: one point of the posterior)."""
    if n < 1:
        raise ValueError("an ensemble needs at least one world")
    root = np.random.SeedSequence(seed)
    draw_seed, *world_seeds = root.spawn(n + 1)
    draws: list[int | None] = ([None] * n if posterior is None else
                               list(posterior.sample(n, int(draw_seed.generate_state(1)[0]))))
    return [World(i, draw, int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)),
                  {} if draw is None else posterior.draw(draw))
            for i, (draw, child) in enumerate(zip(draws, world_seeds, strict=True))]


def in_world(scenario: Scenario, world: World) -> Scenario:
    """The scenario in a world: the world's seed, and its parameters wherever the scenario leaves
    them to the defaults (values a scenario sets itself are the user's, in every world)."""
    params = {key: value for key, value in world.params.items() if not user_set(scenario, key)}
    placed = apply_changes(scenario, params, origin=f"world {world.index}", check=False) if params else scenario
    return with_seed(placed, world.seed)


def no_kpi(scenario: Scenario) -> Scenario:
    """The counterfactual: the same organisation (seats, prices, people) with no KPI reward:
    strength 0, and the interventions' KPI changes dropped."""
    kept = [{"week": i.week, "set": {k: v for k, v in i.set.items() if not k.startswith("kpi.")}}
            for i in scenario.management.interventions]
    changes = {"kpi.strength": 0.0, "management.interventions": [i for i in kept if i["set"]]}
    return apply_changes(scenario, changes, origin="the no-KPI counterfactual")


@dataclass(frozen=True)
class Ensemble:
    """A scenario and its counterfactual run in the same worlds."""

    scenario: Scenario
    baseline: Scenario
    baseline_label: str
    worlds: list[World]
    table: pd.DataFrame  # one row per world: parameters, the scenario's values, the baseline's, differences
    weekly: dict[str, np.ndarray]  # column -> (worlds, weeks) array of the scenario's weekly values
    posterior_source: str

    @property
    def drawn(self) -> list[str]:
        """The parameters drawn in each world (the rest are the scenario's own)."""
        return drawn_parameters(self.scenario, self.worlds)

    def headline(self, key: str) -> dict[str, float]:
        """Median, 90% interval and the share of worlds below zero of one column."""
        return describe(self.table[key])


def ensemble_summary(ensemble: Ensemble, one_world: dict[str, Any]) -> dict[str, Any]:
    """A run's summary over worlds (summary.json of an ensemble): the labels, how the worlds were
    made, then every measured value as its median, 5th and 95th percentiles and share of worlds
    below zero (``{"median", "q05", "q95", "p_negative", "worlds"}``), the baseline's as
    ``baseline_<key>``, the paired effects as ``effect_<key>``; `one_world` is the detailed world's
    own summary."""
    t = ensemble.table
    measured = [c for c in t.columns if c not in ("world", "draw", "seed", *ensemble.drawn)
                and pd.api.types.is_numeric_dtype(t[c])]
    return {
        **{key: one_world[key] for key in LABELS if key not in ("seed",)},
        "worlds": len(ensemble.worlds), "interval": INTERVAL, "root_seed": ensemble.scenario.seed,
        "baseline": ensemble.baseline_label, "posterior": ensemble.posterior_source,
        "drawn_parameters": ensemble.drawn,
        **{key: describe(t[key]) for key in measured},
        "one_world": one_world,
    }


def describe(values: pd.Series | np.ndarray) -> dict[str, float]:
    """Median, 5th and 95th percentiles, the share below zero and how many worlds had a value."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return {"median": np.nan, "q05": np.nan, "q95": np.nan, "p_negative": np.nan, "worlds": 0}
    tail = (1 - INTERVAL) / 2
    low, median, high = np.quantile(x, [tail, 0.5, 1 - tail])
    return {"median": float(median), "q05": float(low), "q95": float(high),
            "p_negative": float((x < 0).mean()), "worlds": int(x.size)}


WEEKLY_BANDS = ("gaming_share", "performative_hours", "true_value_usd", "reported_value_usd", "ai_spend_usd")
"""Weekly columns kept for every world, for the charts' bands."""


def run_ensemble(scenario: Scenario, worlds: list[World], baseline: Scenario | None = None,
                 baseline_label: str = NO_KPI, posterior_source: str = "") -> Ensemble:
    """Run `scenario` and its baseline (default :func:`no_kpi`) in every world, stepped together."""
    baseline = baseline if baseline is not None else no_kpi(scenario)
    runs = [in_world(scenario, w) for w in worlds] + [in_world(baseline, w) for w in worlds]
    results = run_batches(runs)
    n = len(worlds)
    drawn = drawn_parameters(scenario, worlds)
    rows = []
    for world, (own, _), (base, _) in zip(worlds, results[:n], results[n:], strict=True):
        row: dict[str, Any] = {"world": world.index, "draw": world.draw, "seed": world.seed,
                               **{key: world.params[key] for key in drawn}}
        row.update({key: value for key, value in own.items() if key not in LABELS})
        row.update({f"baseline_{key}": base[key] for key in KEPT})
        row.update({f"effect_{key}": own[key] - base[key] for key in PAIRED})
        rows.append(row)
    weekly = {name: np.stack([np.asarray(columns[name], dtype=float) for _, columns in results[:n]])
              for name in WEEKLY_BANDS}
    return Ensemble(scenario, baseline, baseline_label, worlds, pd.DataFrame(rows), weekly, posterior_source)
