"""Run several scenarios in the same plausible worlds and compare them world by world.

A world is a posterior draw and a seed (:mod:`sim.ensemble`), both spawned from one root seed
through :class:`numpy.random.SeedSequence`, so every scenario sees the same worlds and a
comparison is reproducible from (files, posterior, root seed, N). Each metric is a median with a
90% interval over worlds; each scenario's difference from the first is paired by world, with the
probability that it does better.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.posterior import Posterior
from sim.ensemble import INTERVAL, World, describe, in_world, make_worlds
from sim.metrics import COMPARISON_METRICS, METRICS, display
from sim.runner import run_batches
from sim.scenario.io import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

HEADLINE_METRICS: tuple[tuple[str, str, str], ...] = tuple(
    (key, METRICS[key].label, "mean count" if METRICS[key].unit == "count" else METRICS[key].unit)
    for key in COMPARISON_METRICS
)
"""(summary key, label, unit) of the metrics a comparison shows, in order (means of counts keep a decimal)."""


PAIRED_METRICS: tuple[tuple[str, str, str, int], ...] = (
    ("true_value_usd", "true value", "usd", 1),
    ("roi_true", "ROI in truth", "roi", 1),
    ("reported_value_usd", "value the dashboard reports", "usd", 0),
    ("ai_spend_usd", "AI spend", "usd", -1),
    ("performative_hours", "hours spent performing", "hours", -1),
    ("wasted_spend_usd", "AI spend on performative use", "usd", -1),
)
"""(summary key, label, unit, +1 if more is better for the organisation, -1 if less, 0 if neither:
what the dashboard reports is not value) of the paired differences a comparison shows."""


@dataclass(frozen=True)
class Comparison:
    """Results of several scenarios in shared worlds."""

    scenarios: dict[str, Scenario]  # label -> resolved scenario
    seeds: list[int]
    root_seed: int
    summaries: pd.DataFrame  # one row per (scenario, replicate = world): summary values
    timeseries: pd.DataFrame  # one row per (scenario, replicate, week)
    overrides: dict[str, list[str]] = field(default_factory=dict)  # label -> every `key.path=value` applied to it
    worlds: list[World] = field(default_factory=list)
    posterior_source: str = ""  # the posterior file the worlds were drawn from ("" : the defaults' values)

    @property
    def differences(self) -> list[str]:
        """What differs between the scenarios, one line per key path (see :func:`differences`)."""
        return differences(self.scenarios)

    def __repr__(self) -> str:
        return (f"Comparison({', '.join(self.scenarios)}; {len(self.seeds)} worlds, root seed {self.root_seed}; "
                ".summaries, .timeseries)")

    def _repr_html_(self) -> str:
        """The headline metrics side by side, median [90% interval] per scenario, in a notebook."""
        from sim.report.html import table_html

        table = headline_table(self)
        labels = list(self.scenarios)
        rows = [[name, *(format_cell(table, key, label, unit) for label in labels)]
                for key, name, unit in HEADLINE_METRICS]
        lead = (f"<p>{len(self.seeds)} plausible worlds per scenario, the same for each (root seed {self.root_seed}); "
                f"median [{INTERVAL:.0%} interval over worlds]. <code>.summaries</code> (one row per scenario and "
                "world), <code>.timeseries</code> (one row per week), <code>paired(comparison)</code> (differences "
                "from the first scenario, world by world).</p>")
        return lead + table_html(["metric", *labels], rows)


def compare(
    sources: list[str | Path], replicates: int = 5, root_seed: int = 0, overrides: list[str] | None = None,
    overrides_for: dict[int, list[str]] | None = None, posterior: Posterior | None = None,
) -> Comparison:
    """Run every scenario once per world (the same worlds for each scenario: `replicates` posterior
    draws and seeds spawned from `root_seed`; with no `posterior`, seeds at the defaults' values);
    runs are stepped together (:func:`sim.runner.run_batches`), with the results of one by one.

    `overrides` (``key.path=value`` strings) apply to every scenario; `overrides_for` maps a
    scenario's position in `sources` (0 is the first) to overrides of its own, applied after them
    and shown in its label (``default [audit.rate=0.3]``), so one file can be compared with itself."""
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    own = overrides_for or {}
    if bad := sorted(set(own) - set(range(len(sources)))):
        raise ScenarioError(f"overrides for scenario {bad[0] + 1}: there are scenarios 1 to {len(sources)}")
    worlds = make_worlds(replicates, root_seed, posterior)
    settings = [[*(overrides or []), *own.get(i, [])] for i in range(len(sources))]
    loaded = [load_scenario(src, settings[i]) for i, src in enumerate(sources)]
    scenarios = _labelled(loaded, [own.get(i, []) for i in range(len(sources))])
    runs = [(label, world.index, in_world(scenario, world)) for label, scenario in scenarios.items() for world in worlds]
    summary_rows, frames = [], []
    for (label, replicate, _), (summary, columns) in zip(runs, run_batches([s for _, _, s in runs]), strict=True):
        summary_rows.append({"scenario": label, "replicate": replicate, **summary})
        frames.append(pd.DataFrame(columns, copy=False).assign(scenario=label, replicate=replicate))
    return Comparison(scenarios, [w.seed for w in worlds], root_seed, pd.DataFrame(summary_rows),
                      pd.concat(frames, ignore_index=True), dict(zip(scenarios, settings)), worlds,
                      "" if posterior is None else posterior.source.name)


def _labelled(scenarios: list[Scenario], own: list[list[str]]) -> dict[str, Scenario]:
    """Label each scenario by its name and its own overrides (`default [audit.rate=0.3]`),
    numbering repeats (a.yaml twice -> a, a#2)."""
    labelled: dict[str, Scenario] = {}
    for scenario, changes in zip(scenarios, own):
        name = f"{scenario.name} [{', '.join(changes)}]" if changes else scenario.name
        label, k = name, 2
        while label in labelled:
            label, k = f"{name}#{k}", k + 1
        labelled[label] = scenario
    return labelled


NOT_POLICY = ("name", "description", "seed")
"""Keys that label a scenario rather than set it (replicates take their seeds from the comparison)."""


def differences(scenarios: dict[str, Scenario]) -> list[str]:
    """'kpi.regime: tokens (a), action_linked (b)': each resolved value that is not the same in
    every scenario; empty when they are the same policy."""
    import json

    flat = {label: _flatten(scenario.model_dump(mode="json")) for label, scenario in scenarios.items()}
    paths = list(dict.fromkeys(path for values in flat.values() for path in values
                               if path.split(".")[0] not in NOT_POLICY))
    lines = []
    for path in paths:
        if any(other.startswith(path + ".") for other in paths):  # an empty list beside another's items
            continue
        values = {label: flat[label].get(path, _NOT_SET) for label in flat}
        if len({json.dumps(v, sort_keys=True, default=str) for v in values.values()}) > 1:
            lines.append(f"{path}: " + ", ".join(f"{_short_value(v)} ({label})" for label, v in values.items()))
    return lines


_NOT_SET = "(not set)"
"""Shown for a key path one scenario has and another has not (an intervention only one schedules)."""


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    """Leaf key paths of a scenario dump; list items by position (`management.interventions.0.week`)."""
    items = (data.items() if isinstance(data, dict) and data
             else enumerate(data) if isinstance(data, list) and data else None)
    if items is None:
        return {prefix.rstrip("."): data}
    out: dict[str, object] = {}
    for key, value in items:
        out.update(_flatten(value, f"{prefix}{key}."))
    return out


def _short_value(value: object) -> str:
    import json

    text = "default" if value is None else value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


def spread(values: np.ndarray | pd.Series) -> tuple[float, float, float]:
    """Median and 90% interval over worlds (NaN where no world has a value)."""
    stats = describe(values)
    return stats["median"], stats["q05"], stats["q95"]


def paired(comparison: Comparison) -> pd.DataFrame:
    """Each scenario after the first against the first, world by world: rows (label, metric) with
    the median and 90% interval of the difference and the share of worlds in which it does better
    (on that metric, in the organisation's interest)."""
    table = comparison.summaries.set_index(["scenario", "replicate"])
    labels = list(comparison.scenarios)
    sizes = {label: s.organization.employees * s.weeks for label, s in comparison.scenarios.items()}
    per_employee_week = len(set(sizes.values())) > 1  # totals of organisations of different sizes do not compare
    rows = []
    for label in labels[1:]:
        for key, name, unit, better in PAIRED_METRICS:
            a, b = table.loc[label, key], table.loc[labels[0], key]
            if per_employee_week and unit != "roi":
                a, b = a / sizes[label], b / sizes[labels[0]]
                name, unit = f"{name} per employee-week", ("usd per employee-week" if unit == "usd" else
                                                           "hours per employee-week")
            diff = (a - b).to_numpy(dtype=float)
            stats = describe(diff)
            finite = diff[np.isfinite(diff)]
            rows.append({"scenario": label, "metric": key, "label": name, "unit": unit, **stats,
                         "p_better": float((better * finite > 0).mean()) if finite.size and better else float("nan")})
    return pd.DataFrame(rows)


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """Rows: (metric, statistic median/low/high over worlds); columns: scenario labels."""
    rows = {}
    for key, _, _ in HEADLINE_METRICS:
        for label in comparison.scenarios:
            values = comparison.summaries.loc[comparison.summaries["scenario"] == label, key]
            median, low, high = spread(values)
            rows.setdefault((key, "median"), {})[label] = median
            rows.setdefault((key, "low"), {})[label] = low
            rows.setdefault((key, "high"), {})[label] = high
    return pd.DataFrame.from_dict(rows, orient="index")


def format_table(comparison: Comparison) -> str:
    """The headline metrics side by side: 'median [low, high]' per scenario."""
    table = headline_table(comparison)
    labels = list(comparison.scenarios)
    cells = {
        label: [format_cell(table, key, label, unit) for key, _, unit in HEADLINE_METRICS] for label in labels
    }
    names = [name for _, name, _ in HEADLINE_METRICS]
    first = max(len(n) for n in names)
    widths = {label: max(len(label), *(len(c) for c in cells[label])) for label in labels}
    header = " " * first + "  " + "  ".join(f"{label:>{widths[label]}}" for label in labels)
    lines = [header]
    for i, name in enumerate(names):
        lines.append(f"{name:<{first}}  " + "  ".join(f"{cells[label][i]:>{widths[label]}}" for label in labels))
    return "\n".join(lines)


def format_cell(table: pd.DataFrame, key: str, label: str, unit: str) -> str:
    """'median [low, high]' in the metric's unit."""
    median, low, high = (table.loc[(key, stat), label] for stat in ("median", "low", "high"))
    if median != median:
        return "n/a"
    return f"{display(median, unit)} [{display(low, unit)}, {display(high, unit)}]"


def format_paired(comparison: Comparison) -> str:
    """Each scenario against the first, paired by world: 'median [low, high]; better in p of worlds'."""
    from sim.report.ensemble import chance, interval_text

    table = paired(comparison)
    labels = list(comparison.scenarios)
    lines = []
    for label in labels[1:]:
        lines.append(f"{label} minus {labels[0]}, world by world (median [{INTERVAL:.0%} interval]):")
        rows = table[table["scenario"] == label]
        width = max(len(name) for name in rows["label"])
        for _, row in rows.iterrows():
            better = (f"; better for the organisation in {chance(row['p_better'])} of worlds"
                      if row["p_better"] == row["p_better"] else "")
            lines.append(f"  {row['label']:<{width}}  {interval_text(row.to_dict(), row['unit'], signed=True)}{better}")
    return "\n".join(lines)
