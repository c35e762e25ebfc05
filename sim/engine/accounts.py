"""The week's books: organisation totals of usage, money, value, flags and gaming, one (K,) vector
per column (one value per organisation of the engine).

What a dashboard would show and what is true, side by side; summing the flows over the weeks gives
the run summary (:mod:`sim.runner`). Every total is a sum along one organisation's own rows, so it
is the same whether the organisation runs alone or with others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kpi as kpis
from sim.engine.economics import week_economics
from sim.engine.enforcement import Flags
from sim.engine.strategies import Choice

if TYPE_CHECKING:
    from sim.engine.engine import Engine

HOURLY_TOTALS = ("input_tokens", "output_tokens", "queries", "actions", "true_hours_saved", "claimed_hours_saved")
"""Observables whose weekly totals come from hours x rates per hour (:mod:`sim.engine.observables`)."""


def hourly_totals(engine: Engine, g_total: np.ndarray, p_total: np.ndarray, summed: dict[str, np.ndarray]
                  ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(genuine, performative) totals per organisation of each observable: one rate for everyone
    times the hours' total, or the sum of each employee's rate times their hours (`summed`, from
    :func:`hourly_products`)."""
    out = {}
    for name in HOURLY_TOTALS:
        pair = []
        for part, total in (("per_genuine_hour", g_total), ("per_performative_hour", p_total)):
            scalar, plain = engine.rate_vectors[name, part]
            if scalar.all():
                pair.append(plain * total)
            else:
                each = summed[f"{name}.{part}"]
                pair.append(np.where(scalar, plain * total, each) if scalar.any() else each)
        out[name] = (pair[0], pair[1])
    return out


def hourly_products(engine: Engine, g: np.ndarray, p: np.ndarray) -> dict[str, np.ndarray]:
    """Each employee's rate times hours, for the observables whose rate differs between employees."""
    out = {}
    for name in HOURLY_TOTALS:
        for part, hours in (("per_genuine_hour", g), ("per_performative_hour", p)):
            if not engine.rate_vectors[name, part][0].all():
                out[f"{name}.{part}"] = getattr(engine.rates[name], part) * hours
    return out


def week_totals(engine: Engine, week: int, choice: Choice, flags: Flags, genuine_kpi: np.ndarray) -> dict[str, np.ndarray]:
    """This week's organisation totals, (K,) per column."""
    state, stacked, k = engine.state, engine.stacked(), engine.k
    week_terms = engine._week_terms()
    g, p, measured = state.genuine_hours, state.performative_hours, state.kpi
    scripts = choice.scripts()
    gaming = state.gaming
    size = np.asarray(engine.sizes, dtype=float)
    seated = engine.seated()
    manual = p > 0
    honest_users = ~gaming & (g > 0)
    target = engine.rows_of(week_terms.target.tolist())
    queries = engine.rates["queries"].of(g, p) + stacked.script_queries * scripts
    sums = engine.org_sums({
        "g": g, "p": p, "measured": measured, "genuine_kpi": genuine_kpi,
        "honest_claimed": np.maximum(state.belief, 0.0) * g * honest_users,
        "honest_true": engine.traits.speedup * g * honest_users,
        "audit_flags": flags.audit_flags, "detector_flags": flags.detector_flags, "claims_caught": flags.claims_caught,
        "payoff": state.payoff, **hourly_products(engine, g, p),
        **{f"misreport.{c.name}": choice.misreport[c.name] for c in stacked.misreports},
    })
    counts = engine.org_counts({
        "gaming": gaming, "scripts": scripts, "manual": manual, "misreporting": gaming & ~manual & ~scripts,
        "reached": measured >= target * (1 - 1e-9), "active": queries >= stacked.active_at,
        **({} if seated is None else {"seated": seated}),
    })
    gaming_count = counts["gaming"]
    seats = size.copy() if seated is None else counts["seated"]
    scripts_running = counts["scripts"]
    g_total, p_total = sums["g"], sums["p"]
    management = engine.management
    allowance = np.array([m.allowance_usd_per_week(float(s)) for m, s in zip(management, seats, strict=True)])
    prices = stacked.prices
    totals = week_economics(hourly_totals(engine, g_total, p_total, sums), g_total, p_total, prices,
                            scripts_running, stacked.script_per_week, seats, allowance)
    misreported = {name: np.zeros(k) for name in kpis.MISREPORT_COLUMNS}
    for channel in stacked.misreports:
        per_unit = stacked.output_per_unit[channel.name]
        misreported[channel.name] = misreported[channel.name] + sums[f"misreport.{channel.name}"] * per_unit
    totals["claimed_hours_saved"] = totals["claimed_hours_saved"] + misreported["misreported_hours"]
    wage = prices.wage_usd_per_hour
    reported_kpi = sums["measured"]
    reported_value = np.where(stacked.claimed_valuation, totals["claimed_hours_saved"] * wage,
                              reported_kpi * stacked.usd_per_kpi_unit)
    belief = np.array([m.belief for m in management])
    if np.any(belief != 1.0):  # management values its dashboard at what it now believes (brief 11.5)
        reported_value = reported_value * belief
    per_genuine, per_performative, per_scripted = stacked.exposures
    expected_exposures = (totals["genuine_queries"] * per_genuine + totals["performative_queries"] * per_performative
                          + totals["scripted_queries"] * per_scripted) / 1e6
    flagged = np.flatnonzero(flags.flagged)  # a few employees: their counts from their rows alone
    gaming_flagged, scripts_flagged = gaming[flagged], scripts[flagged]
    row = {
        "week": np.full(k, float(week)),
        "employees": size,
        "seats": seats,
        **totals,
        **misreported,
        "reported_value_usd": reported_value,
        "reported_kpi": reported_kpi,
        "genuine_kpi": sums["genuine_kpi"],
        "kpi_target": week_terms.target,
        "kpi_strength": week_terms.strength,
        "kpi_regime_code": stacked.regime_code,
        "budget_index": np.array([m.budget_index for m in management], dtype=float),
        "target_reached_share": counts["reached"] / size,
        "gaming_employees": gaming_count,
        "gaming_share": gaming_count / size,
        "scripts_running": scripts_running,
        "manual_gamers": counts["manual"],
        "misreporting_employees": counts["misreporting"],
        "active_users": counts["active"],
        "honest_claimed_hours_saved": sums["honest_claimed"],
        "honest_true_hours_saved": sums["honest_true"],
        "mean_perception_gap": engine.mean_perception_gap(),
        "flagged_employees": engine.org_count_at(flagged),
        "flagged_honest_employees": engine.org_count_at(flagged[~gaming_flagged]),
        "flagged_scripters": engine.org_count_at(flagged[scripts_flagged]),
        "flagged_manual_gamers": engine.org_count_at(flagged[manual[flagged] & ~scripts_flagged]),
        "audit_flags": sums["audit_flags"],
        "detector_flags": sums["detector_flags"],
        # flags are whole numbers, so adding only the flagged honest employees' gives the same total
        "flags_on_honest": engine.org_count_at(flagged[~gaming_flagged], flags.total[flagged][~gaming_flagged]),
        "claims_caught": sums["claims_caught"],
        "data_exposure_incidents": np.array([float(rng.poisson(x)) for rng, x in zip(engine.rngs, expected_exposures, strict=True)]),
        "mean_payoff": sums["payoff"] / size,
    }
    ai_hours = totals["genuine_hours"] + totals["performative_hours"]
    spend = totals["ai_spend_usd"]
    with np.errstate(divide="ignore", invalid="ignore"):
        row["performative_share"] = np.where(ai_hours > 0, totals["performative_hours"] / ai_hours, 0.0)
        row["roi_reported"] = np.where(spend > 0, (reported_value - spend) / spend, np.nan)
        row["roi_true"] = np.where(spend > 0, (totals["true_value_usd"] - spend) / spend, np.nan)
    return row
