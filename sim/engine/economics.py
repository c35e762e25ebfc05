"""Money, value, energy and carbon of one week, for the whole organisation (brief 7 and 10.5).

Money and hours add up by construction: ``ai_spend_usd = usage_spend_usd + licence_cost_usd +
enablement_cost_usd``; ``tokens = genuine_tokens + performative_tokens`` (scripts' tokens are performative); ``true_value_usd =
captured_value_usd - wasted_hours_cost_usd``, where captured value is truly saved hours x wage x
capture share and wasted hours cost is (performative + script-upkeep hours) x wage x the same share
(one opportunity cost, brief 11.3; ``economics.wasted_hour_share`` sets another). Reported value is management's
reading of the dashboard (:mod:`sim.engine.valuation`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.schema import Scenario

JOULES_PER_KWH = 3.6e6
WEEKS_PER_MONTH = 52 / 12


def token_cost_usd(input_tokens, output_tokens, prices: Scenario | Prices):
    """Token cost in USD (numbers, or (K,) vectors with :class:`Prices`)."""
    price = prices.pricing if isinstance(prices, Scenario) else prices
    return (input_tokens * price.input_usd_per_mtok + output_tokens * price.output_usd_per_mtok) / 1e6


def energy_kwh(input_tokens, output_tokens, prices: Scenario | Prices):
    """Energy in kWh, PUE included (numbers, or (K,) vectors with :class:`Prices`)."""
    e = prices.energy if isinstance(prices, Scenario) else prices
    joules = input_tokens * e.joules_per_input_token + output_tokens * e.joules_per_output_token
    return joules * e.pue / JOULES_PER_KWH


@dataclass(frozen=True)
class Prices:
    """Each organisation's prices, wage and energy factors as (K,) vectors (from its policy)."""

    input_usd_per_mtok: np.ndarray
    output_usd_per_mtok: np.ndarray
    usd_per_action: np.ndarray  # NaN where usage is paid per token
    licence_usd_per_user_month: np.ndarray
    enablement_usd_per_user_month: np.ndarray
    wage_usd_per_hour: np.ndarray
    capture_share: np.ndarray
    wasted_hour_share: np.ndarray
    joules_per_input_token: np.ndarray
    joules_per_output_token: np.ndarray
    pue: np.ndarray
    grid_kg_co2_per_kwh: np.ndarray
    upkeep_hours_per_week: np.ndarray

    @classmethod
    def of(cls, policies: list[Scenario]) -> Prices:
        def vector(get) -> np.ndarray:
            return np.array([get(p) for p in policies], dtype=float)

        return cls(
            vector(lambda p: p.pricing.input_usd_per_mtok), vector(lambda p: p.pricing.output_usd_per_mtok),
            vector(lambda p: np.nan if p.pricing.usd_per_action is None else p.pricing.usd_per_action),
            vector(lambda p: p.pricing.licence_usd_per_user_month),
            vector(lambda p: p.pricing.enablement_usd_per_user_month),
            vector(lambda p: p.economics.loaded_wage_usd_per_hour), vector(lambda p: p.economics.capture_share),
            vector(lambda p: p.economics.capture_share if p.economics.wasted_hour_share is None
                   else p.economics.wasted_hour_share),
            vector(lambda p: p.energy.joules_per_input_token), vector(lambda p: p.energy.joules_per_output_token),
            vector(lambda p: p.energy.pue), vector(lambda p: p.energy.grid_kg_co2_per_kwh),
            vector(lambda p: p.usage.script.upkeep_hours_per_week),
        )


def week_economics(
    hours: dict[str, tuple[np.ndarray, np.ndarray]],
    g_total: np.ndarray,
    p_total: np.ndarray,
    prices: Prices,
    scripts_running: np.ndarray,
    script: dict[str, np.ndarray],
    seats: np.ndarray,
    allowance_usd: np.ndarray,
) -> dict[str, np.ndarray]:
    """Organisation totals of usage, spend, value and emissions for one week, as (K,) vectors.

    `hours[name]` is (genuine, performative) totals of the observable `name` per organisation;
    `performative_*` totals include what scripts consumed (every performative token is waste);
    `scripted_*` gives the scripts' part, and `script_upkeep_hours` the time spent keeping them up.
    `seats` pay licence and enablement; a prepaid token allowance of `allowance_usd` is paid
    whether used or not (`unused_allowance_usd`)."""
    in_g, in_p = hours["input_tokens"]
    out_g, out_p = hours["output_tokens"]
    in_s, out_s = scripts_running * script["input_tokens"], scripts_running * script["output_tokens"]
    in_p, out_p = in_p + in_s, out_p + out_s
    queries_g, queries_p = hours["queries"]
    queries_s = scripts_running * script["queries"]
    actions_g, actions_p = hours["actions"]
    actions_p = actions_p + scripts_running * script["actions"]
    true_saved = sum(hours["true_hours_saved"])
    claimed_saved = sum(hours["claimed_hours_saved"])

    cost_genuine = token_cost_usd(in_g, out_g, prices)
    cost_performative = token_cost_usd(in_p, out_p, prices)
    per_token = np.isnan(prices.usd_per_action)  # else value-based pricing: pay per downstream action
    usage_spend = np.where(per_token, cost_genuine + cost_performative, (actions_g + actions_p) * prices.usd_per_action)
    wasted_spend = np.where(per_token, cost_performative, actions_p * prices.usd_per_action)
    short = allowance_usd - usage_spend
    unused_allowance = np.where(short > 0.0, short, 0.0)
    usage_spend = usage_spend + unused_allowance
    licence = seats * prices.licence_usd_per_user_month / WEEKS_PER_MONTH
    enablement = seats * prices.enablement_usd_per_user_month / WEEKS_PER_MONTH
    spend = usage_spend + licence + enablement
    wage = prices.wage_usd_per_hour
    kwh_g = energy_kwh(in_g, out_g, prices)
    kwh_p = energy_kwh(in_p, out_p, prices)
    grid = prices.grid_kg_co2_per_kwh
    upkeep = scripts_running * prices.upkeep_hours_per_week
    captured_value = true_saved * prices.capture_share * wage
    wasted_hours_cost = (p_total + upkeep) * prices.wasted_hour_share * wage
    return usage_totals(g_total, p_total, upkeep, in_g, in_p, out_g, out_p, in_s, out_s, queries_g, queries_p,
                        queries_s, actions_g, actions_p, true_saved, claimed_saved, cost_genuine, cost_performative,
                        usage_spend, unused_allowance, wasted_spend, licence, enablement, spend, captured_value,
                        wasted_hours_cost, kwh_g, kwh_p, grid)


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
