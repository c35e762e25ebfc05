"""One-at-a-time sensitivity of the headline results, written into ``docs/calibration.md``.

Each parameter is set to the low and then the high end of its plausible range, all others at the
default scenario (``scenarios/default.yaml``), over a few seeds; the table shows the effect on the
performative share of AI hours, reported ROI, true ROI and CO2. One-at-a-time swings miss
interactions; they are to be replaced by Sobol indices once the sweep issue lands.

Regenerate with ``python -m sim.validation.calibration`` (a few seconds).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import sim
from sim.scenario import sources as src
from sim.scenario.io import load_scenario, set_path

ROOT = Path(__file__).resolve().parents[2]
BASE_SCENARIO = ROOT / "scenarios" / "default.yaml"
OUTPUT = ROOT / "docs" / "calibration.md"
SEEDS = (1, 2, 3)
METRICS = ("performative_share", "roi_reported", "roi_true", "co2_kg")
STRONG_SHARE_POINTS, MODERATE_SHARE_POINTS = 0.10, 0.03
"""Swing of the performative share (absolute) rated strong / moderate."""
STRONG_RELATIVE, MODERATE_RELATIVE = 0.5, 0.15
"""Swing of CO2 relative to the baseline rated strong / moderate."""
STRONG_ROI_POINTS, MODERATE_ROI_POINTS = 0.5, 0.15
"""Swing of true ROI (a ratio: 0.5 = 50 percentage points) rated strong / moderate."""
ASSUMED = "ASSUMPTION (modelling choice; no published value)"


@dataclass(frozen=True)
class Parameter:
    """A parameter, its plausible range and where both come from."""

    path: str
    default: float
    low: float
    high: float
    source: str
    make: Callable[[float], Any] = float  # value to put at `path` for a number x

    def override(self, value: float) -> dict[str, Any]:
        return {self.path: self.make(value)}


def _lognormal(sigma: float) -> Callable[[float], dict[str, Any]]:
    """A trait given by its mean: lognormal with a fixed sigma, as in the defaults."""
    def make(mean: float) -> dict[str, Any]:
        return {"dist": "lognormal", "mean": mean, "sigma": sigma}
    return make


def _normal(sd: float, minimum: float | None = None) -> Callable[[float], dict[str, Any]]:
    """A trait given by its mean: normal with a fixed sd (and lower clip), as in the defaults."""
    def make(mean: float) -> dict[str, Any]:
        dist: dict[str, Any] = {"dist": "normal", "mean": mean, "sd": sd}
        if minimum is not None:
            dist["min"] = minimum
        return dist
    return make


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("behavior.speedup (mean)", src.SPEEDUP_MEAN, -0.16, 0.34,
              "METR -0.16 (arXiv 2507.09089) to Dell'Acqua +0.34 (HBS 24-013); Peng's lab +1.26 excluded",
              _normal(src.SPEEDUP_SD)),
    Parameter("behavior.perceived_speedup_prior (mean)", src.PERCEIVED_SPEEDUP_PRIOR, 0.15, 0.5,
              src.PERCEPTION_SOURCE + "; range ASSUMED", _normal(src.PERCEIVED_SPEEDUP_PRIOR_SD)),
    Parameter("behavior.perception_anchoring", src.PERCEPTION_ANCHORING, 0.5, 1.0, src.PERCEPTION_SOURCE),
    Parameter("behavior.intrinsic_motivation (mean)", 1.0, 0.5, 1.5, ASSUMED, _normal(0.3, 0.0)),
    Parameter("behavior.integrity_cost (mean)", src.INTEGRITY_COST_MEAN, 0.6, 2.4, ASSUMED,
              _lognormal(src.INTEGRITY_COST_SIGMA)),
    Parameter("behavior.effort_cost", src.EFFORT_COST, 0.06, 0.25, src.HUMLUM_SOURCE + "; c fitted to it"),
    Parameter("behavior.noise", src.UTILITY_NOISE_SD, 0.0, 0.3, ASSUMED),
    Parameter("behavior.substitutability", 0.3, 0.0, 0.6, ASSUMED),
    Parameter("behavior.conformity", 0.01, 0.0, 0.05, ASSUMED),
    Parameter("behavior.inertia", 0.5, 0.25, 1.0, ASSUMED + "; default scenario value"),
    Parameter("kpi.strength", 0.75, 0.4, 1.2, "policy lever (hours of pay a week at target); default scenario value"),
    Parameter("kpi.target", src.AMAZON_TOKENS_PER_ENGINEER_WEEK, 25_000, 100_000,
              "policy lever; " + src.AMAZON_TARGET_SOURCE),
    Parameter("usage.performative.tokens_per_hour", src.PERFORMATIVE_TOKENS_PER_HOUR, 10_000, 120_000,
              src.USAGE_SOURCE + "; scripts burn 'thousands of tokens per minute' (seed)"),
    Parameter("usage.genuine.tokens_per_hour", src.GENUINE_TOKENS_PER_HOUR, 3_000, 12_000, src.USAGE_SOURCE),
    Parameter("usage.genuine.output_token_share", src.OUTPUT_TOKEN_SHARE, 0.1, 0.5, src.USAGE_SOURCE),
    Parameter("pricing.input_usd_per_mtok", src.CLAUDE_35_SONNET_INPUT_USD_PER_MTOK, 0.25, 15.0,
              "Anthropic list prices, Claude 3 Haiku $0.25 to Claude 3 Opus $15 per M input tokens"),
    Parameter("pricing.output_usd_per_mtok", src.CLAUDE_35_SONNET_OUTPUT_USD_PER_MTOK, 1.25, 75.0,
              "Anthropic list prices, Claude 3 Haiku $1.25 to Claude 3 Opus $75 per M output tokens"),
    Parameter("economics.loaded_wage_usd_per_hour", src.LOADED_WAGE_USD_PER_HOUR, 30.0, 80.0,
              src.WAGE_SOURCE + "; range ASSUMED across occupations"),
    Parameter("economics.capture_share", src.CAPTURE_SHARE, 0.25, 1.0, src.CAPTURE_SOURCE),
    Parameter("pricing.licence_usd_per_user_month", src.COPILOT_M365_USD_PER_USER_MONTH, 0.0, 50.0,
              src.COPILOT_SOURCE + "; $0 (pay per token only) to $50 (Einstein GPT)"),
    Parameter("pricing.enablement_usd_per_user_month", src.ENABLEMENT_USD_PER_USER_MONTH, 0.0, 30.0,
              src.ENABLEMENT_SOURCE),
    Parameter("audit.rate", 0.0, 0.0, 0.2, "policy lever (penalty 1 per flagged hour, tpr 0.8, fpr 0.05)"),
    Parameter("energy.joules_per_output_token", src.JOULES_PER_OUTPUT_TOKEN, 3.0, 4.0, src.ENERGY_SOURCE),
    Parameter("energy.pue", src.PUE, 1.1, 1.6, src.PUE_SOURCE + "; 1.6 a typical enterprise data centre"),
    Parameter("energy.grid_kg_co2_per_kwh", src.GRID_KG_CO2_PER_KWH, 0.05, 0.8,
              src.GRID_SOURCE + "; low-carbon to coal-heavy grids"),
)


def _key_path(parameter: Parameter) -> str:
    return parameter.path.split(" ")[0]


def mean_summary(changes: dict[str, Any]) -> dict[str, float]:
    """Headline metrics of the base scenario with `changes`, averaged over SEEDS."""
    data = load_scenario(BASE_SCENARIO).model_dump(exclude_unset=True)
    for path, value in changes.items():
        set_path(data, path.split(" ")[0].split("."), value, origin="calibration")
    runs = [sim.run(data, seed=seed).summary for seed in SEEDS]
    return {m: float(np.mean([r[m] for r in runs])) for m in METRICS}


def sensitivity() -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Baseline metrics and, per parameter, the metrics at the low and high end of its range."""
    baseline = mean_summary({})
    rows = []
    for parameter in PARAMETERS:
        low = mean_summary({_key_path(parameter): parameter.make(parameter.low)})
        high = mean_summary({_key_path(parameter): parameter.make(parameter.high)})
        rows.append({"parameter": parameter, "low": low, "high": high, "rating": rating(baseline, low, high)})
    return baseline, rows


def rating(baseline: dict[str, float], low: dict[str, float], high: dict[str, float]) -> str:
    """strong / moderate / weak / none from the swings of the performative share and true ROI (in
    points) and of CO2 (relative to the baseline)."""
    share = abs(high["performative_share"] - low["performative_share"])
    roi_points = abs(high["roi_true"] - low["roi_true"])
    co2 = abs(high["co2_kg"] - low["co2_kg"]) / abs(baseline["co2_kg"]) if baseline["co2_kg"] else 0.0
    if share >= STRONG_SHARE_POINTS or roi_points >= STRONG_ROI_POINTS or co2 >= STRONG_RELATIVE:
        return "strong"
    if share >= MODERATE_SHARE_POINTS or roi_points >= MODERATE_ROI_POINTS or co2 >= MODERATE_RELATIVE:
        return "moderate"
    return "weak" if max(share, roi_points, co2) > 1e-6 else "none"


def _arrow(low: float, high: float, fmt: str) -> str:
    return f"{fmt.format(low)} → {fmt.format(high)}"


def render(baseline: dict[str, float], rows: list[dict[str, Any]]) -> str:
    """The full docs/calibration.md."""
    head = [
        "<!-- Generated by `python -m sim.validation.calibration`. Edit the prose in "
        "sim/validation/calibration.py, not here. -->\n",
        "# Calibration table\n",
        "Each parameter with its default, a plausible range, where both come from, and how strongly the "
        "headline results depend on it. Facts the model claims to reproduce are checked by "
        "`tokenmaxx validate` (see `docs/ODD.md`, section 7).\n",
        "**Method: one-at-a-time sensitivity.** Each parameter is set to the low and then the high end of "
        "its range with every other parameter at the default scenario (`scenarios/default.yaml`: 500 "
        f"employees, 52 weeks, tokens regime, linear scheme), averaged over seeds {', '.join(map(str, SEEDS))}. "
        "This misses interactions between parameters and depends on the base scenario; it is a placeholder "
        "to be replaced by Sobol indices once the sweep issue lands.\n",
        f"Baseline: performative share {baseline['performative_share']:.3f}; reported ROI "
        f"{baseline['roi_reported']:.0%}; true ROI {baseline['roi_true']:.0%}; CO2 {baseline['co2_kg']:,.0f} kg "
        "per year.\n",
        f"Dependence: **strong** if the performative share moves by at least {STRONG_SHARE_POINTS:.2f}, true "
        f"ROI by at least {STRONG_ROI_POINTS:.0%} points or CO2 by at least {STRONG_RELATIVE:.0%} of baseline "
        f"across the range; **moderate** at {MODERATE_SHARE_POINTS:.2f} / {MODERATE_ROI_POINTS:.0%} points / "
        f"{MODERATE_RELATIVE:.0%}; **weak** below; **none** if nothing moves.\n",
        "ROI is (value - spend) / spend, shown in %. Spend is seats (licence and enablement) plus tokens; "
        "true value is the truly saved hours times the wage times the capture share, less performative "
        "hours at the full wage; reported value is management's reading of its dashboard (docs/ODD.md 7.7).\n",
        "| parameter | default | plausible range | source | performative share (low → high) | reported ROI "
        "(low → high) | true ROI (low → high) | CO2 kg (low → high) | dependence |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines = []
    for row in rows:
        p, low, high = row["parameter"], row["low"], row["high"]
        lines.append(
            f"| `{p.path}` | {p.default:g} | {p.low:g} to {p.high:g} | {p.source} | "
            f"{_arrow(low['performative_share'], high['performative_share'], '{:.3f}')} | "
            f"{_arrow(low['roi_reported'], high['roi_reported'], '{:.0%}')} | "
            f"{_arrow(low['roi_true'], high['roi_true'], '{:.0%}')} | "
            f"{_arrow(low['co2_kg'], high['co2_kg'], '{:,.0f}')} | {row['rating']} |"
        )
    tail = [
        "",
        "## Not in the table",
        "",
        "- `detection.*` spreads: calibrated jointly so that the default usage profiles give a balanced "
        "accuracy of ~85% (seed); checked by `tokenmaxx validate` (`detector_balanced_accuracy`).",
        "- `security.exposures_per_million_performative_queries`: ASSUMPTION; scales data-exposure incidents "
        "linearly and nothing else.",
        "- Policy parameters (`kpi.regime`, `kpi.scheme`, audits, detection, management rules) are what a "
        "scenario compares, not calibration targets.",
        "",
    ]
    return "\n".join(head + lines + tail)


def main(argv: list[str] | None = None) -> int:
    from sim.output import atomic_write_text

    target = Path(argv[0]) if argv else OUTPUT
    baseline, rows = sensitivity()
    atomic_write_text(target, render(baseline, rows))
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
