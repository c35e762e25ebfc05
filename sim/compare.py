"""Run several scenarios on the same replicate seeds and summarise each metric with an interval.

Replicate seeds come from one root seed through :class:`numpy.random.SeedSequence`, so every
scenario sees the same seeds and a comparison is reproducible from (files, root seed, N).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.metrics import COMPARISON_METRICS, METRICS, display
from sim.runner import run_batches, with_seed
from sim.scenario.io import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

CONFIDENCE = 0.95

HEADLINE_METRICS: tuple[tuple[str, str, str], ...] = tuple(
    (key, METRICS[key].label, "mean count" if METRICS[key].unit == "count" else METRICS[key].unit)
    for key in COMPARISON_METRICS
)
"""(summary key, label, unit) of the metrics a comparison shows, in order (means of counts keep a decimal)."""


@dataclass(frozen=True)
class Comparison:
    """Replicate results of several scenarios on shared seeds."""

    scenarios: dict[str, Scenario]  # label -> resolved scenario
    seeds: list[int]
    root_seed: int
    summaries: pd.DataFrame  # one row per (scenario, replicate): summary values
    timeseries: pd.DataFrame  # one row per (scenario, replicate, week)
    overrides: dict[str, list[str]] = field(default_factory=dict)  # label -> every `key.path=value` applied to it

    @property
    def differences(self) -> list[str]:
        """What differs between the scenarios, one line per key path (see :func:`differences`)."""
        return differences(self.scenarios)

    def __repr__(self) -> str:
        return (f"Comparison({', '.join(self.scenarios)}; {len(self.seeds)} replicates, root seed {self.root_seed}; "
                ".summaries, .timeseries)")

    def _repr_html_(self) -> str:
        """The headline metrics side by side, mean [95% interval] per scenario, in a notebook."""
        from sim.report.html import table_html

        table = headline_table(self)
        labels = list(self.scenarios)
        rows = [[name, *(format_cell(table, key, label, unit) for label in labels)]
                for key, name, unit in HEADLINE_METRICS]
        lead = (f"<p>{len(self.seeds)} replicates per scenario on shared seeds (root seed {self.root_seed}); "
                f"mean [{CONFIDENCE:.0%} interval of the mean]. <code>.summaries</code> (one row per scenario and "
                "replicate), <code>.timeseries</code> (one row per week).</p>")
        return lead + table_html(["metric", *labels], rows)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """`replicates` independent seeds spawned from `root_seed`."""
    children = np.random.SeedSequence(root_seed).spawn(replicates)
    return [int(child.generate_state(1, dtype=np.uint32)[0]) for child in children]


def compare(
    sources: list[str | Path], replicates: int = 5, root_seed: int = 0, overrides: list[str] | None = None,
    overrides_for: dict[int, list[str]] | None = None,
) -> Comparison:
    """Run every scenario once per replicate seed (the same seeds for each scenario); replicates
    are stepped together (:func:`sim.runner.run_batches`), with the results of one by one.

    `overrides` (``key.path=value`` strings) apply to every scenario; `overrides_for` maps a
    scenario's position in `sources` (0 is the first) to overrides of its own, applied after them
    and shown in its label (``default [audit.rate=0.3]``), so one file can be compared with itself."""
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    own = overrides_for or {}
    if bad := sorted(set(own) - set(range(len(sources)))):
        raise ScenarioError(f"overrides for scenario {bad[0] + 1}: there are scenarios 1 to {len(sources)}")
    seeds = replicate_seeds(root_seed, replicates)
    settings = [[*(overrides or []), *own.get(i, [])] for i in range(len(sources))]
    loaded = [load_scenario(src, settings[i]) for i, src in enumerate(sources)]
    scenarios = _labelled(loaded, [own.get(i, []) for i in range(len(sources))])
    runs = [(label, replicate, with_seed(scenario, seed))
            for label, scenario in scenarios.items() for replicate, seed in enumerate(seeds)]
    summary_rows, frames = [], []
    for (label, replicate, _), (summary, columns) in zip(runs, run_batches([s for _, _, s in runs]), strict=True):
        summary_rows.append({"scenario": label, "replicate": replicate, **summary})
        frames.append(pd.DataFrame(columns, copy=False).assign(scenario=label, replicate=replicate))
    return Comparison(scenarios, seeds, root_seed, pd.DataFrame(summary_rows), pd.concat(frames, ignore_index=True),
                      dict(zip(scenarios, settings)))


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


def interval(values: np.ndarray | pd.Series, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and confidence interval of the mean (Student t); a single value has a zero-width one.

    A quantity that is never negative in any replicate (a count, a cost) gets its interval
    clipped at zero.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    if x.size == 1:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size))
    low = max(mean - half, 0.0) if x.min() >= 0 else mean - half
    return mean, low, mean + half


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """Rows: (metric, statistic mean/low/high); columns: scenario labels."""
    rows = {}
    for key, _, _ in HEADLINE_METRICS:
        for label in comparison.scenarios:
            values = comparison.summaries.loc[comparison.summaries["scenario"] == label, key]
            mean, low, high = interval(values)
            rows.setdefault((key, "mean"), {})[label] = mean
            rows.setdefault((key, "low"), {})[label] = low
            rows.setdefault((key, "high"), {})[label] = high
    return pd.DataFrame.from_dict(rows, orient="index")


def format_table(comparison: Comparison) -> str:
    """The headline metrics side by side: 'mean [low, high]' per scenario."""
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
    """'mean [low, high]' in the metric's unit."""
    mean, low, high = (table.loc[(key, stat), label] for stat in ("mean", "low", "high"))
    if mean != mean:
        return "n/a"
    return f"{display(mean, unit)} [{display(low, unit)}, {display(high, unit)}]"
