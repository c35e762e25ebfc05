"""Money, value, energy and carbon of one week, for the whole organisation (brief 7 and 10.5).

Money and hours add up by construction: ``ai_spend_usd = usage_spend_usd + licence_cost_usd +
enablement_cost_usd``; ``tokens = genuine_tokens + performative_tokens`` (scripts' tokens are performative); ``true_value_usd =
captured_value_usd - wasted_hours_cost_usd``, where captured value is truly saved hours x wage x
capture share and wasted hours cost is (performative + script-upkeep hours) x wage. Reported value is management's
reading of the dashboard (:mod:`sim.engine.valuation`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.observables import Rate
from sim.scenario.schema import Scenario

JOULES_PER_KWH = 3.6e6
WEEKS_PER_MONTH = 52 / 12


def token_cost_usd(input_tokens: float, output_tokens: float, scenario: Scenario) -> float:
    price = scenario.pricing
    return (input_tokens * price.input_usd_per_mtok + output_tokens * price.output_usd_per_mtok) / 1e6


def energy_kwh(input_tokens: float, output_tokens: float, scenario: Scenario) -> float:
    e = scenario.energy
    joules = input_tokens * e.joules_per_input_token + output_tokens * e.joules_per_output_token
    return joules * e.pue / JOULES_PER_KWH


def week_economics(
    genuine: np.ndarray,
    performative: np.ndarray,
    rates: dict[str, Rate],
    scenario: Scenario,
    scripts_running: float = 0.0,
    script: dict[str, float] | None = None,
    seats: float | None = None,
    allowance_usd: float = 0.0,
) -> dict[str, float]:
    """Organisation totals of usage, spend, value and emissions for one week.

    `performative_*` totals include what scripts consumed (every performative token is waste);
    `scripted_*` gives the scripts' part, and `script_upkeep_hours` the time spent keeping them up.
    `seats` (default: every employee) pay licence and enablement; a prepaid token allowance of
    `allowance_usd` is paid whether used or not (`unused_allowance_usd`)."""
    g_total, p_total = float(genuine.sum()), float(performative.sum())
    script = script or {}

    def split(name: str) -> tuple[float, float]:
        rate = rates[name]
        return _total(rate.per_genuine_hour, genuine, g_total), _total(rate.per_performative_hour, performative, p_total)

    def scripted(name: str) -> float:
        return scripts_running * script.get(name, 0.0)

    in_g, in_p = split("input_tokens")
    out_g, out_p = split("output_tokens")
    in_s, out_s = scripted("input_tokens"), scripted("output_tokens")
    in_p, out_p = in_p + in_s, out_p + out_s
    queries_g, queries_p = split("queries")
    queries_s = scripted("queries")
    actions_g, actions_p = split("actions")
    actions_p += scripted("actions")
    true_saved = sum(split("true_hours_saved"))
    claimed_saved = sum(split("claimed_hours_saved"))

    cost_genuine = token_cost_usd(in_g, out_g, scenario)
    cost_performative = token_cost_usd(in_p, out_p, scenario)
    per_action = scenario.pricing.usd_per_action
    if per_action is None:  # pay per token
        usage_spend, wasted_spend = cost_genuine + cost_performative, cost_performative
    else:  # value-based pricing: pay per downstream action
        usage_spend, wasted_spend = (actions_g + actions_p) * per_action, actions_p * per_action
    unused_allowance = max(0.0, allowance_usd - usage_spend)
    usage_spend += unused_allowance
    seats = genuine.shape[0] if seats is None else seats
    licence = seats * scenario.pricing.licence_usd_per_user_month / WEEKS_PER_MONTH
    enablement = seats * scenario.pricing.enablement_usd_per_user_month / WEEKS_PER_MONTH
    spend = usage_spend + licence + enablement
    wage = scenario.economics.loaded_wage_usd_per_hour
    kwh_g = energy_kwh(in_g, out_g, scenario)
    kwh_p = energy_kwh(in_p, out_p, scenario)
    grid = scenario.energy.grid_kg_co2_per_kwh
    upkeep = scripts_running * scenario.usage.script.upkeep_hours_per_week
    captured_value = true_saved * scenario.economics.capture_share * wage
    wasted_hours_cost = (p_total + upkeep) * wage
    return usage_totals(g_total, p_total, upkeep, in_g, in_p, out_g, out_p, in_s, out_s, queries_g, queries_p,
                        queries_s, actions_g, actions_p, true_saved, claimed_saved, cost_genuine, cost_performative,
                        usage_spend, unused_allowance, wasted_spend, licence, enablement, spend, captured_value,
                        wasted_hours_cost, kwh_g, kwh_p, grid)


def _total(per_hour: np.ndarray | float, hours: np.ndarray, hours_total: float) -> float:
    """Sum over employees of per-hour rate x hours (no BLAS call: its threads contend on small machines)."""
    if np.ndim(per_hour) == 0:
        return float(per_hour) * hours_total
    return float(np.sum(per_hour * hours))


def roi(value_usd: float, spend_usd: float) -> float:
    """(value - spend) / spend; NaN when nothing was spent."""
    return (value_usd - spend_usd) / spend_usd if spend_usd > 0 else float("nan")


def usage_totals(g_total, p_total, upkeep, in_g, in_p, out_g, out_p, in_s, out_s, queries_g, queries_p,
                 queries_s, actions_g, actions_p, true_saved, claimed_saved, cost_genuine, cost_performative,
                 usage_spend, unused_allowance, wasted_spend, licence, enablement, spend, captured_value,
                 wasted_hours_cost, kwh_g, kwh_p, grid):
    """The week's usage, spend, value and emission columns from their parts (numbers for one
    organisation, or arrays with one value per organisation of a batch)."""
    return {
        "genuine_hours": g_total,
        "performative_hours": p_total,
        "script_upkeep_hours": upkeep,
        "tokens": in_g + in_p + out_g + out_p,
        "genuine_tokens": in_g + out_g,
        "performative_tokens": in_p + out_p,
        "scripted_tokens": in_s + out_s,
        "input_tokens": in_g + in_p,
        "output_tokens": out_g + out_p,
        "queries": queries_g + queries_p + queries_s,
        "genuine_queries": queries_g,
        "performative_queries": queries_p,
        "scripted_queries": queries_s,
        "actions": actions_g + actions_p,
        "true_hours_saved": true_saved,
        "claimed_hours_saved": claimed_saved,
        "token_cost_usd": cost_genuine + cost_performative,
        "wasted_token_cost_usd": cost_performative,
        "usage_spend_usd": usage_spend,
        "unused_allowance_usd": unused_allowance,
        "wasted_spend_usd": wasted_spend,
        "licence_cost_usd": licence,
        "enablement_cost_usd": enablement,
        "ai_spend_usd": spend,
        "captured_value_usd": captured_value,
        "wasted_hours_cost_usd": wasted_hours_cost,
        "true_value_usd": captured_value - wasted_hours_cost,
        "energy_kwh": kwh_g + kwh_p,
        "co2_kg": (kwh_g + kwh_p) * grid,
        "wasted_co2_kg": kwh_p * grid,
    }
