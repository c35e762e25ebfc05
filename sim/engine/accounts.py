"""The week's books: organisation totals of usage, money, value, flags and gaming, as one row.

What a dashboard would show and what is true, side by side; summing the flows over the weeks gives
the run summary (:mod:`sim.runner`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine import kpi as kpis
from sim.engine.economics import roi, week_economics
from sim.engine.enforcement import Flags
from sim.engine.strategies import Choice
from sim.engine.valuation import reported_value_usd

if TYPE_CHECKING:
    from sim.engine.model import OrganisationModel


def week_row(model: OrganisationModel, week: int, choice: Choice, flags: Flags, genuine_kpi: np.ndarray) -> dict[str, float]:
    """This week's organisation totals."""
    policy, state, terms, management = model.policy, model.state, model.policy_terms(), model.management
    g, p, measured, target = state.genuine_hours, state.performative_hours, state.kpi, management.target
    scripts = choice.scripts()
    gaming = state.gaming
    gaming_count = float(np.count_nonzero(gaming))
    seated = model.seated()
    seats = float(state.size if seated is None else np.count_nonzero(seated))
    all_flags = flags.total
    scripts_running = float(np.count_nonzero(scripts))
    totals = week_economics(g, p, model.rates, policy, scripts_running, terms.script, seats,
                            management.allowance_usd_per_week(seats))
    misreported = {name: 0.0 for name in kpis.MISREPORT_COLUMNS}
    for channel in terms.misreports:
        misreported[channel.name] += float(choice.misreport[channel.name].sum()) * channel.output_per_unit
    totals["claimed_hours_saved"] += misreported["misreported_hours"]
    wage = policy.economics.loaded_wage_usd_per_hour
    reported_kpi = float(measured.sum())
    reported_value = reported_value_usd(terms.valuation, reported_kpi, totals["claimed_hours_saved"], terms.benchmark, wage)
    security = policy.security
    expected_exposures = (
        totals["genuine_queries"] * security.exposures_per_million_genuine_queries
        + totals["performative_queries"] * security.exposures_per_million_performative_queries
        + totals["scripted_queries"] * security.exposures_per_million_scripted_queries
    ) / 1e6
    queries = model.rates["queries"].of(g, p) + terms.script["queries"] * scripts
    manual = p > 0
    honest_users = ~gaming & (g > 0)
    flagged = np.flatnonzero(flags.flagged)  # a few employees: their counts from their rows alone
    gaming_flagged, scripts_flagged = gaming[flagged], scripts[flagged]
    row = {
        "week": float(week),
        "employees": float(state.size),
        "seats": seats,
        **totals,
        **misreported,
        "reported_value_usd": reported_value,
        "reported_kpi": reported_kpi,
        "genuine_kpi": float(genuine_kpi.sum()),
        "kpi_target": target,
        "kpi_strength": model.kpi_strength,
        "kpi_regime_code": float(kpis.REGIME_CODES[policy.kpi.regime]),
        "budget_index": management.budget_index,
        "target_reached_share": np.count_nonzero(measured >= target * (1 - 1e-9)) / state.size,
        "gaming_employees": gaming_count,
        "gaming_share": gaming_count / state.size,
        "scripts_running": scripts_running,
        "manual_gamers": float(np.count_nonzero(manual)),
        "misreporting_employees": float(np.count_nonzero(gaming & ~manual & ~scripts)),
        "active_users": float(np.count_nonzero(queries >= policy.kpi.active_threshold_queries * (1 - 1e-9))),
        "honest_claimed_hours_saved": float(np.sum(np.maximum(state.belief, 0.0) * g * honest_users)),
        "honest_true_hours_saved": float(np.sum(model.traits.speedup * g * honest_users)),
        "mean_perception_gap": model.mean_perception_gap(),
        "flagged_employees": float(flagged.size),
        "flagged_honest_employees": float(np.count_nonzero(~gaming_flagged)),
        "flagged_scripters": float(np.count_nonzero(scripts_flagged)),
        "flagged_manual_gamers": float(np.count_nonzero(manual[flagged] & ~scripts_flagged)),
        "audit_flags": float(flags.audit_flags.sum()),
        "detector_flags": float(flags.detector_flags.sum()),
        # flags are whole numbers, so adding only the flagged honest employees' gives the same total
        "flags_on_honest": float(all_flags[flagged][~gaming_flagged].sum()),
        "claims_caught": float(flags.claims_caught.sum()),
        "data_exposure_incidents": float(model.rng.poisson(expected_exposures)),
        "mean_payoff": float(state.payoff.mean()),
    }
    ai_hours = totals["genuine_hours"] + totals["performative_hours"]
    row["performative_share"] = totals["performative_hours"] / ai_hours if ai_hours > 0 else 0.0
    row["roi_reported"] = roi(reported_value, totals["ai_spend_usd"])
    row["roi_true"] = roi(totals["true_value_usd"], totals["ai_spend_usd"])
    return row
