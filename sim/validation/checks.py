"""The checks behind ``tokenmaxx validate``: theory (brief section 6), calibration facts (section 8)
and the evidence the defaults must reproduce (section 10.7, :mod:`sim.validation.evidence`).

Each check group runs the model (or the code's own arithmetic) on the set-ups of
:mod:`sim.validation.scenarios`, compares with the analytic or published value and returns
:class:`Check` rows plus the data for one chart. Nothing here plots or writes files.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import ndtr

import sim
from sim.engine.economics import energy_kwh, token_cost_usd
from sim.engine.enforcement import detector_rates, detector_separation
from sim.engine.model import OrganisationModel
from sim.scenario import sources as src
from sim.scenario.io import load_scenario
from sim.scenario.schema import Scenario
from sim.validation import evidence, experiments
from sim.validation import scenarios as sc
from sim.validation.base import Check, CheckGroup

__all__ = ["GROUPS", "Check", "CheckGroup", "run_checks"]

EXACT_HOURS = 1e-9
"""Tolerance (hours) for the closed-form limits: the best response is exact, so only rounding."""
VANISHING_TOLERANCE = 1e-3
"""Tolerance on the incentive strength at which genuine effort vanishes (bisection resolution)."""
REPLICATOR_TOLERANCE = 0.03
"""Largest allowed gap between the simulated share and the logistic (finite population noise)."""
GOODHART_MIN_FALL = 0.1
"""True productivity at the strongest incentive must lie at least this share below its peak."""
DETECTOR_ACCURACY_TOLERANCE = 0.02
"""Balanced accuracy within two points of the reported ~85%."""
MONEY_TOLERANCE_USD = 1e-9

HM_STRENGTHS = np.linspace(0.0, 3.0, 31)
BECKER_PAIRS = ((0.0, 0.0), (0.1, 1.0), (0.2, 2.0), (0.5, 0.5), (0.1, 2.5), (0.25, 1.0), (0.4, 0.5),
                (0.8, 0.25), (0.3, 3.0), (0.9, 1.0), (0.6, 2.0))
"""(audit rate q, penalty F) pairs; several share the same q*F."""
GRANOVETTER_EMPLOYEES = 10
GOODHART_STRENGTHS = np.linspace(0.0, 2.0, 21)
SEED_CARBON_TOKENS_PER_DAY = 10_000_000
SEED_CARBON_T_PER_YEAR = 2.5
DAYS_PER_YEAR = 365


def _first_week(data: dict) -> OrganisationModel:
    model = OrganisationModel(load_scenario(data))
    model.step()
    return model


def holmstrom_milgrom() -> CheckGroup:
    """Best response against the clipped first-order conditions across incentive strength."""
    simulated = [_first_week(sc.hm_scenario(float(a))).state for a in HM_STRENGTHS]
    g_sim = np.array([s.genuine_hours.mean() for s in simulated])
    p_sim = np.array([s.performative_hours.mean() for s in simulated])
    spread = max(max(np.ptp(s.genuine_hours), np.ptp(s.performative_hours)) for s in simulated)
    analytic = np.array([sc.hm_expected(float(a)) for a in HM_STRENGTHS])
    error = float(max(np.abs(g_sim - analytic[:, 0]).max(), np.abs(p_sim - analytic[:, 1]).max(), spread))
    vanishing = _bisect_vanishing(0.0, 3.0)
    return CheckGroup(
        "holmstrom_milgrom",
        "Holmstrom-Milgrom multitask: genuine effort crowded out by a rewarded performative task",
        "Holmstrom and Milgrom (1991), J. Law Econ. Organ. 7: 24-52",
        [
            Check("hm_best_response_error", f"largest |simulated - analytic| of (g, p) over {len(HM_STRENGTHS)} "
                  "strengths alpha_1 in [0, 3]", 0.0, error, EXACT_HOURS, unit="hours"),
            Check("hm_vanishing_strength", "alpha_1 at which genuine effort vanishes = m2/delta - m1",
                  sc.hm_vanishing_strength(), vanishing, VANISHING_TOLERANCE, unit="alpha"),
        ],
        {"strength": HM_STRENGTHS, "g_sim": g_sim, "p_sim": p_sim,
         "g_analytic": analytic[:, 0], "p_analytic": analytic[:, 1], "vanishing": sc.hm_vanishing_strength()},
    )


def _bisect_vanishing(low: float, high: float, iterations: int = 30) -> float:
    """Smallest alpha_1 with zero genuine hours in the simulation (bisection on the model)."""
    if _first_week(sc.hm_scenario(high)).state.genuine_hours.max() > 0:
        return float("nan")
    for _ in range(iterations):
        mid = 0.5 * (low + high)
        if _first_week(sc.hm_scenario(mid)).state.genuine_hours.max() > 0:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def becker() -> CheckGroup:
    """p* = max(0, (alpha k_p - iota - q F tpr) / c); equal q*F, equal behaviour."""
    p_sim, series = [], {}
    for rate, penalty in BECKER_PAIRS:
        result = sim.run(sc.becker_scenario(rate, penalty))
        p_sim.append(float(result.model.state.performative_hours.mean()))
        series[(rate, penalty)] = result.timeseries["performative_hours"].to_numpy()
    expected = np.array([sc.becker_expected(q, f) for q, f in BECKER_PAIRS])
    error = float(np.abs(np.array(p_sim) - expected).max())
    expected_fines = np.array([q * f for q, f in BECKER_PAIRS])
    spread = 0.0
    for fine in np.unique(expected_fines):
        same = [series[pair] for pair, qf in zip(BECKER_PAIRS, expected_fines) if np.isclose(qf, fine)]
        spread = max(spread, float(np.ptp(np.vstack(same), axis=0).max()))
    grid = np.linspace(0.0, expected_fines.max() * 1.1, 100)
    return CheckGroup(
        "becker",
        "Becker deterrence: performative hours fall with the expected fine q*F",
        "Becker (1968), J. Polit. Econ. 76: 169-217",
        [
            Check("becker_formula_error", f"largest |p - p*| over {len(BECKER_PAIRS)} (q, F) pairs", 0.0, error,
                  EXACT_HOURS, unit="hours"),
            Check("becker_qf_invariance", "largest difference in weekly performative hours between runs "
                  "with the same q*F", 0.0, spread, EXACT_HOURS, unit="hours"),
        ],
        {"expected_fine": expected_fines, "p_sim": np.array(p_sim), "fine_grid": grid,
         "p_analytic": np.array([sc.becker_expected(x, 1.0) for x in grid]),
         "pairs": list(BECKER_PAIRS)},
    )


def granovetter() -> CheckGroup:
    """Thresholds 0..N-1: total cascade; second-lowest raised by one: stops at one."""
    n = GRANOVETTER_EMPLOYEES
    uniform = list(range(n))
    stopped = list(range(n))
    stopped[1] = 2
    total_series = sim.run(sc.granovetter_scenario(uniform)).timeseries["gaming_employees"].to_numpy()
    stopped_series = sim.run(sc.granovetter_scenario(stopped)).timeseries["gaming_employees"].to_numpy()
    expected_path = np.minimum(np.arange(1, len(total_series) + 1), n)
    return CheckGroup(
        "granovetter",
        "Granovetter thresholds: a total cascade, and one that stops at one",
        "Granovetter (1978), Am. J. Sociol. 83: 1420-1443",
        [
            Check("granovetter_total", f"employees gaming at the end, thresholds 0..{n - 1}", float(n),
                  float(total_series[-1]), 0.0, unit="employees"),
            Check("granovetter_path", "largest |gaming - min(week, N)| over the weeks (one more each week)",
                  0.0, float(np.abs(total_series - expected_path).max()), 0.0, unit="employees"),
            Check("granovetter_stopped", "employees gaming at the end, second-lowest threshold raised by one",
                  1.0, float(stopped_series[-1]), 0.0, unit="employees"),
        ],
        {"week": np.arange(1, len(total_series) + 1), "total": total_series, "stopped": stopped_series,
         "employees": n},
    )


def replicator() -> CheckGroup:
    """Imitation in a large well-mixed organisation against the logistic replicator solution."""
    data = sc.imitation_scenario()
    behavior = load_scenario(data).behavior
    model = OrganisationModel(load_scenario(data))
    performers = model.state.performative_hours > 0
    x0 = float(performers.mean())
    payoffs = model.decision_problem().value(model.state.genuine_hours, model.state.performative_hours)
    gap = float(payoffs[performers][0] - payoffs[~performers][0])
    model.run()
    share = np.array([row["gaming_share"] for row in model.records])
    weeks = np.arange(1, len(share) + 1)
    expected = sc.replicator_share(x0, behavior.imitation_rate, behavior.selection_intensity, gap, weeks)
    return CheckGroup(
        "replicator",
        "Replicator dynamics: imitation follows the logistic curve",
        "Taylor and Jonker (1978), Math. Biosci. 40; Traulsen et al. (2006), Phys. Rev. E 74 (Fermi rule)",
        [
            Check("replicator_max_gap", f"largest |simulated - logistic| share over {len(share)} weeks "
                  f"({model.state.size:,} employees)", 0.0, float(np.abs(share - expected).max()),
                  REPLICATOR_TOLERANCE, unit="share"),
            Check("replicator_reaches_majority", "final share of performers (the whole S-curve is covered)",
                  0.5, float(share[-1]), 0.0, "at_least", unit="share"),
        ],
        {"week": weeks, "simulated": share, "logistic": expected, "payoff_gap": gap, "x0": x0},
    )


def _largest_fall(values: np.ndarray) -> float:
    """Largest drop between consecutive values, as a share of the largest |value|."""
    scale = float(np.abs(values).max()) or 1.0
    return float(max(0.0, -np.diff(values).min()) / scale)


def goodhart() -> CheckGroup:
    """Reported KPI rises with strength; true productivity peaks then falls; not under outcomes."""
    curves = {}
    for regime in ("tokens", "error_reduction"):
        reported, productivity = [], []
        for strength in GOODHART_STRENGTHS:
            summary = sim.run(sc.goodhart_scenario(regime, float(strength))).summary
            reported.append(summary["reported_kpi"])
            productivity.append(summary["true_hours_saved"] - summary["performative_hours"])
        curves[regime] = (np.array(reported), np.array(productivity))
    reported, productivity = curves["tokens"]
    peak = int(np.argmax(productivity))
    interior = 0 < peak < len(GOODHART_STRENGTHS) - 1 and productivity[peak] > productivity[0]
    fall = float((productivity[peak] - productivity[-1]) / abs(productivity[peak])) if interior else 0.0
    outcome = curves["error_reduction"][1]
    return CheckGroup(
        "goodhart",
        "Goodhart: a gameable KPI rises while true productivity peaks and falls",
        "Goodhart (1975); Manheim and Garrabrant (2018), arXiv 1803.04585",
        [
            Check("goodhart_reported_monotone", "tokens regime: largest fall of the reported KPI as strength "
                  "rises (share of max)", 0.0, _largest_fall(reported), EXACT_HOURS, "at_most"),
            Check("goodhart_true_peaks_and_falls", "tokens regime: fall of true productivity from an interior "
                  "peak to the strongest incentive (share of peak)", GOODHART_MIN_FALL, fall, 0.0, "at_least"),
            Check("goodhart_outcome_never_falls", "error_reduction regime: largest fall of true productivity "
                  "(share of max)", 0.0, _largest_fall(outcome), EXACT_HOURS, "at_most"),
        ],
        {"strength": GOODHART_STRENGTHS, "tokens_reported": reported, "tokens_true": productivity,
         "outcome_reported": curves["error_reduction"][0], "outcome_true": outcome},
    )


def detector() -> CheckGroup:
    """The deployed detector (the default operating point every scenario uses) gives the ~85% balanced
    accuracy reported for anomaly detectors (brief 11.2: measured where the evidence was)."""
    scenario = Scenario()
    separation = detector_separation(scenario.usage, scenario.detection)
    balanced = float(ndtr(separation / 2))  # best balanced accuracy, equal-variance Gaussian scores
    enabled = scenario.detection.model_copy(update={"enabled": True})
    at_default = detector_rates(scenario.usage, enabled)
    threshold = np.linspace(-4, 6, 201)
    return CheckGroup(
        "detector",
        "Anomaly detector: ~85% accurate, with false positives",
        src.DETECTOR_SOURCE,
        [
            Check("detector_default_operating_point", f"balanced accuracy at the deployed operating point "
                  f"threshold_sd = {scenario.detection.threshold_sd:g} (tpr {at_default.tpr:.2f}, "
                  f"fpr {at_default.fpr:.3f}), feature separation d' = {separation:.2f}", src.DETECTOR_ACCURACY,
                  (at_default.tpr + 1 - at_default.fpr) / 2, DETECTOR_ACCURACY_TOLERANCE),
            Check("detector_balanced_accuracy", "best balanced accuracy over all thresholds, Phi(d'/2)",
                  src.DETECTOR_ACCURACY, balanced, 0.0, "info"),
        ],
        {"fpr": ndtr(-threshold), "tpr": ndtr(separation - threshold), "separation": separation,
         "default_tpr": at_default.tpr, "default_fpr": at_default.fpr,
         "balanced_tpr": balanced, "balanced_fpr": 1 - balanced},
    )


def prices_and_targets() -> CheckGroup:
    """The code's price arithmetic on a million tokens, and the default token target."""
    scenario = Scenario()
    share = scenario.usage.genuine.output_token_share
    million = 1e6
    by_code = token_cost_usd(million * (1 - share), million * share, scenario)
    by_hand = (1 - share) * 3.0 + share * 15.0  # brief section 8: $3 / M input, $15 / M output
    return CheckGroup(
        "prices",
        "Prices and targets",
        f"{src.PRICE_SOURCE}; {src.AMAZON_TARGET_SOURCE}",
        [
            Check("price_per_million_tokens", f"USD per million tokens at output share {share:g}: "
                  f"{1 - share:g} x $3 + {share:g} x $15", by_hand, by_code, MONEY_TOLERANCE_USD, unit="USD"),
            Check("default_token_target", "default weekly target of the tokens regime", 50_000.0,
                  Scenario().kpi.resolved_target, 0.0, unit="tokens"),
        ],
        {"labels": ["input", "output", "blended"],
         "usd_per_mtok": [scenario.pricing.input_usd_per_mtok, scenario.pricing.output_usd_per_mtok, by_code]},
    )


def energy_and_carbon() -> CheckGroup:
    """Energy per token within the measured range; the seed's carbon claim computed, not trusted."""
    scenario = Scenario()
    e, share = scenario.energy, scenario.usage.performative.output_token_share
    per_token_j = (1 - share) * e.joules_per_input_token + share * e.joules_per_output_token
    low, high = 0.5, 4.0  # Samsi et al. 2023: 0.5 to 4 J per token
    tokens_per_year = SEED_CARBON_TOKENS_PER_DAY * DAYS_PER_YEAR
    kwh_year = energy_kwh(tokens_per_year * (1 - share), tokens_per_year * share, scenario)
    tonnes = kwh_year * e.grid_kg_co2_per_kwh / 1_000
    implied_j = SEED_CARBON_T_PER_YEAR * 1_000 / e.grid_kg_co2_per_kwh * 3.6e6 / e.pue / tokens_per_year
    return CheckGroup(
        "energy",
        "Energy and carbon",
        f"{src.ENERGY_SOURCE}; {src.PUE_SOURCE}; {src.GRID_SOURCE}; seed article (carbon claim)",
        [
            Check("energy_per_token_in_range", f"blended J per token at output share {share:g} lies in "
                  f"[{low:g}, {high:g}] J", (low + high) / 2, per_token_j, (high - low) / 2, unit="J/token"),
            Check("energy_per_output_token_in_range", "J per output token lies in [3, 4] J (LLaMA-65B)",
                  3.5, e.joules_per_output_token, 0.5, unit="J/token"),
            Check("seed_carbon_claim", f"t CO2 per year from {SEED_CARBON_TOKENS_PER_DAY:,} tokens/day: seed "
                  f"claims {SEED_CARBON_T_PER_YEAR:g}; computed = {tokens_per_year:.3g} tokens x "
                  f"{per_token_j:.2f} J x PUE {e.pue:g} / 3.6e6 = {kwh_year:,.0f} kWh x "
                  f"{e.grid_kg_co2_per_kwh:g} kg/kWh", SEED_CARBON_T_PER_YEAR, tonnes, 0.0, "info", "t CO2/yr"),
            Check("seed_carbon_implied_energy", "J per token (before PUE) the seed's claim implies at the default "
                  f"grid intensity; measured range [{low:g}, {high:g}]", (low + high) / 2, implied_j,
                  (high - low) / 2, "info", "J/token"),
        ],
        {"labels": ["seed claim", "computed from defaults"], "tonnes": [SEED_CARBON_T_PER_YEAR, tonnes],
         "per_token_j": per_token_j, "range_j": (low, high), "implied_j": implied_j},
    )


OVERCLAIM_STRENGTHS = np.linspace(0.0, 2.0, 21)
OVERCLAIM_CHECKS = ((0.0, 1.0), (0.2, 1.0), (0.1, 2.0), (0.4, 0.5))
"""(claim_check_rate, penalty) pairs: the second and third share q_c F."""


def over_claiming() -> CheckGroup:
    """m* = max(0, (alpha/T - iota - q_c tpr_c F) / mu), and equal q_c F, equal over-claims."""
    simulated, analytic = {}, {}
    for q, f in OVERCLAIM_CHECKS:
        simulated[(q, f)] = np.array([
            _first_week(sc.overclaim_scenario(float(a), q, f)).state.misreport["misreported_hours"].mean()
            for a in OVERCLAIM_STRENGTHS])
        analytic[(q, f)] = np.array([sc.overclaim_expected(float(a), q, f) for a in OVERCLAIM_STRENGTHS])
    error = max(float(np.abs(simulated[k] - analytic[k]).max()) for k in simulated)
    spread = float(np.abs(simulated[(0.2, 1.0)] - simulated[(0.1, 2.0)]).max())
    return CheckGroup(
        "over_claiming",
        "Costly state falsification: over-claiming a self-reported KPI",
        "model brief 10.3; Lacker and Weinberg (1989), J. Polit. Econ. 97: 1345-1363",
        [
            Check("overclaim_formula_error", f"largest |m - m*| over {len(OVERCLAIM_STRENGTHS)} strengths and "
                  f"{len(OVERCLAIM_CHECKS)} claim-check settings (time_saved, linear)", 0.0, error, EXACT_HOURS,
                  unit="hours"),
            Check("overclaim_qf_invariance", "largest difference in over-claims between q_c = 0.2, F = 1 and "
                  "q_c = 0.1, F = 2", 0.0, spread, EXACT_HOURS, unit="hours"),
        ],
        {"strength": OVERCLAIM_STRENGTHS, "simulated": simulated, "analytic": analytic},
    )


def script_threshold() -> CheckGroup:
    """Identical employees all switch to the script at alpha* = T (iota h_s + c u^2/2) / K_s."""
    threshold = sc.script_threshold_strength(Scenario().behavior.effort_cost)
    strengths = np.linspace(0.5 * threshold, 1.5 * threshold, 41)
    shares = np.array([_first_week(sc.script_scenario(float(a))).state.script.mean() for a in strengths])
    below = float(_first_week(sc.script_scenario(threshold * (1 - 1e-6))).state.script.mean())
    above = float(_first_week(sc.script_scenario(threshold * (1 + 1e-6))).state.script.mean())
    return CheckGroup(
        "script_threshold",
        "Scripts: a discrete choice that everyone alike makes at the same strength",
        "model brief 10.3 (the script compared exactly with not scripting)",
        [
            Check("script_share_below_threshold", f"share scripting just below alpha* = {threshold:.4f}", 0.0,
                  below, 0.0, unit="share"),
            Check("script_share_above_threshold", "share scripting just above alpha*", 1.0, above, 0.0, unit="share"),
        ],
        {"strength": strengths, "share": shares, "threshold": threshold},
    )


SUBSTITUTION_UPKEEP = (1.0, 0.5, 0.25, 0.1)
"""Script upkeep (hours a week) from dear to cheap, for the substitution check."""
SUBSTITUTION_RUN = ["organization.employees=200", "weeks=26", "kpi.strength=3", "usage.script.equivalent_hours=1"]
SUBSTITUTION_SEEDS = (1, 2)


def bounded_stakes() -> CheckGroup:
    """A capped linear reward (brief 11.4): the kink solution, and scripts as substitutes for
    manual gaming once a script can reach the cap (brief 10.3), against the uncapped reward."""
    data = sc.capped_scenario()
    state = _first_week(data).state
    g, p = sc.capped_expected(data)
    error = max(float(np.abs(state.genuine_hours - g).max()), float(np.abs(state.performative_hours - p).max()))
    series: dict[str, dict[str, list[float]]] = {}
    for label, cap in (("capped at 150%", "1.5"), ("uncapped", "null")):
        hours, tokens = [], []
        for upkeep in SUBSTITUTION_UPKEEP:
            runs = [sim.run("scenarios/default.yaml", seed=seed, overrides=SUBSTITUTION_RUN + [
                f"kpi.reward_cap={cap}", f"usage.script.upkeep_hours_per_week={upkeep}"]).summary
                for seed in SUBSTITUTION_SEEDS]
            hours.append(float(np.mean([r["performative_hours"] for r in runs])))
            tokens.append(float(np.mean([r["performative_tokens"] for r in runs])))
        series[label] = {"performative_hours": hours, "performative_tokens": tokens}
    capped, uncapped = series["capped at 150%"], series["uncapped"]
    return CheckGroup(
        "bounded_stakes",
        "Bounded stakes: a capped reward, and scripts that substitute for manual gaming",
        "model brief 11.4 and 10.3 (the cap's level is an ASSUMPTION)",
        [
            Check("capped_kink_error", f"largest |hours - closed form| on the cap (strength {sc.CAP_STRENGTH:g}, "
                  f"cap {sc.CAP_MULTIPLE:.0%} of target)", 0.0, error, EXACT_HOURS, unit="hours"),
            Check("cheaper_scripts_fewer_manual_hours", "capped: manual performative hours with 0.1 h of script "
                  "upkeep over those with 1.0 h (below 1: substitutes)", 1.0,
                  capped["performative_hours"][-1] / capped["performative_hours"][0], 0.0, "at_most", unit="ratio"),
            Check("cheaper_scripts_more_wasted_tokens", "capped: wasted tokens with 0.1 h of upkeep over those with 1.0 h",
                  1.0, capped["performative_tokens"][-1] / capped["performative_tokens"][0], 0.0, "at_least",
                  unit="ratio"),
            Check("uncapped_scripts_no_substitutes", "uncapped: manual hours with 0.1 h of upkeep over those with 1.0 h "
                  "(no substitution without a cap)", 1.0,
                  uncapped["performative_hours"][-1] / uncapped["performative_hours"][0], 0.0, "info", unit="ratio"),
        ],
        {"upkeep": list(SUBSTITUTION_UPKEEP), "series": series},
    )


EXPERIENCE_RUN = {"behavior": {"experience": {"dist": "beta", "a": 2.0, "b": 2.0}}, "organization": {"employees": 1000},
                  "weeks": 26}
EXPERIENCE_SEEDS = (1, 2, 3)
EXPERIENCE_BANDS = 5
WORK_HOURS_PER_WEEK = 40.0


def experience_gradient() -> CheckGroup:
    """Who gains (brief 11.7): with the speed-up following experience, the realised gain (true hours
    saved per hour of work, from the AI hours each employee chooses on what they believe) by
    experience band, in organisations with no KPI (organic.yaml), over seeds."""
    edges = np.linspace(0.0, 1.0, EXPERIENCE_BANDS + 1)
    gains = np.zeros((len(EXPERIENCE_SEEDS), EXPERIENCE_BANDS))
    for i, seed in enumerate(EXPERIENCE_SEEDS):
        source = load_scenario("scenarios/organic.yaml")
        model = OrganisationModel(load_scenario({**source.model_dump(exclude={"name", "description"}), **EXPERIENCE_RUN}),
                                  rng=seed, agents=False)
        saved = np.zeros(model.state.size)
        for _ in range(model.config.weeks):
            model.step()
            saved += model.traits.speedup * model.state.genuine_hours
        share = saved / (WORK_HOURS_PER_WEEK * model.config.weeks)
        band = np.clip(np.digitize(model.traits.experience, edges) - 1, 0, EXPERIENCE_BANDS - 1)
        gains[i] = [share[band == b].mean() for b in range(EXPERIENCE_BANDS)]
    mean = gains.mean(axis=0)
    return CheckGroup(
        "experience_gradient",
        "Who gains: novices most, the most experienced nothing or less",
        "model brief 11.7; Brynjolfsson, Li, Raymond NBER w31161 (novices +34%, top performers ~0); METR arXiv "
        "2507.09089 (experienced developers 19% slower)",
        [
            Check("novices_gain_more", "realised gain of the least experienced fifth minus the most experienced fifth "
                  f"(share of work hours; {len(EXPERIENCE_SEEDS)} seeds)", 0.0, float(mean[0] - mean[-1]), 0.0,
                  "at_least", unit="share"),
            Check("experts_gain_nothing", "realised gain of the most experienced fifth (at most ~0: they use AI "
                  "on what they believe it saves)", 0.0, float(mean[-1]), 0.002, "at_most", unit="share"),
            Check("novice_gain_level", "realised gain of the least experienced fifth (Brynjolfsson's novices: +34% "
                  "with AI on every conversation; here AI takes a few hours a week)", 0.34, float(mean[0]), 0.0,
                  "info", unit="share"),
        ],
        {"bands": [f"{a:.1f}-{b:.1f}" for a, b in zip(edges[:-1], edges[1:])], "gains": gains.tolist()},
    )


def _audit_recovery() -> CheckGroup:
    """`tokenmaxx audit` recovers known shares (:func:`sim.audit.recovery.recovery_check`)."""
    from sim.audit.recovery import recovery_check

    return recovery_check()


GROUPS: dict[str, Callable[[], CheckGroup]] = {
    "holmstrom_milgrom": holmstrom_milgrom,
    "becker": becker,
    "granovetter": granovetter,
    "replicator": replicator,
    "goodhart": goodhart,
    "over_claiming": over_claiming,
    "script_threshold": script_threshold,
    "bounded_stakes": bounded_stakes,
    "experience_gradient": experience_gradient,
    "detector": detector,
    "prices": prices_and_targets,
    "energy": energy_and_carbon,
    **evidence.GROUPS,
    **experiments.GROUPS,
    "audit_recovery": _audit_recovery,
}


def run_checks() -> list[CheckGroup]:
    """Run every check group in order."""
    return [make() for make in GROUPS.values()]
