"""Many organisations stepped together as one set of arrays, with the results of running each alone.

Replicates and sweep points of the same size are stacked as rows of (K, N) arrays: every parameter
that differs between organisations is a (K,) vector, every organisation total is a reduction along
its row (added with NumPy's pairwise summation, as the one-organisation sums are, so totals are
identical to the last bit), every organisation draws from its own generator in the same order as
:class:`sim.engine.model.OrganisationModel`, and the colleague networks are one block-diagonal
network. The weekly Python cost is paid once for the batch instead of once per organisation, and
the per-employee arithmetic of a week runs in two compiled passes (:mod:`sim.engine.batch_kernels`).
Sweeps (:mod:`sim.sweep.batched`), `compare` and calibration use it.

Market firms are not batched: the market reads every firm's week, and its reviews, the correction
and the vendor's pricing change firms' policies between weeks, so a batch would have to be stepped
a week at a time, hand every state array back to its firm and be rebuilt after every change; and
two of the default market's six policies (active users, a step reward; error reduction, measured
with noise and open to manipulation) are outside what the batch steps.

Each organisation is built as an ordinary `OrganisationModel` (traits, network, seats and week 0
exactly as in a single run); the batch then steps them all. It supports the common case:
the `best_response` rule, linear KPI schemes without misreports or measurement noise, scripts,
audits, the detector, conformity, norm erosion, learning, flag memory, seats, the target ratchet,
budget reviews and ROI audits that do not switch the regime, and no scheduled interventions.
:func:`batch_key` says whether (and with which others) an organisation can be batched; the rest
run one by one (:func:`run_batch` does both; :func:`run_batches` in batches of bounded size).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from sim.engine import batch_kernels as kernels
from sim.engine import kpi as kpis
from sim.engine.culture import FLAG_MEMORY_HALF_LIFE_WEEKS
from sim.engine.decision import Problem, best_response_by_candidates, select
from sim.engine.economics import JOULES_PER_KWH, WEEKS_PER_MONTH, usage_totals
from sim.engine.enforcement import poisson_by_inversion
from sim.engine.model import OrganisationModel
from sim.scenario.schema import Scenario


def unsupported(model: OrganisationModel) -> str | None:
    """Why this organisation cannot join a batch (None: it can)."""
    config = model.config
    behavior, kpi, management = config.behavior, config.kpi, config.management
    terms = model.policy_terms()
    if behavior.rule != "best_response":
        return f"decision rule {behavior.rule}"
    if kpi.scheme != "linear" or kpi.regime == "active_user":
        return f"{kpi.regime} KPI under the {kpi.scheme} scheme (a step reward)"
    if terms.misreports:
        return f"misreports under the {kpi.regime} KPI"
    if kpis.measurement_noise_sd(kpi, model.management.target) > 0:
        return "measurement noise"
    if management.interventions:
        return "scheduled interventions"
    if management.roi_audit.every_weeks is not None and management.roi_audit.switch_regime is not None:
        return "an ROI audit that switches the KPI regime"
    if model.steps or model.records:
        return "the organisation has already run"
    return None


def batch_key(model: OrganisationModel) -> tuple | None:
    """Organisations with the same key run in one batch (None: not batchable). The key holds the
    size and which mechanisms are on; parameter values may differ within a batch."""
    if unsupported(model) is not None:
        return None
    config = model.config
    behavior, audit, management = config.behavior, config.audit, config.management
    terms = model.policy_terms()
    detector = terms.detector
    return (
        config.organization.employees, config.weeks,
        behavior.noise > 0, model.adjustment_cost > 0, behavior.conformity > 0, behavior.norm_erosion > 0,
        behavior.learning_rate > 0, behavior.flag_memory > 0, terms.script_kpi > 0, audit.rate > 0,
        detector.tpr > 0 or detector.fpr > 0 or detector.script_tpr > 0, model.seat_order is not None,
        management.target_ratchet.enabled or management.budget.enabled or management.roi_audit.every_weeks is not None,
        config.pricing.usd_per_action is None, terms.valuation,
    )


_NO_ROWS = np.zeros((1, 1))


def _column(values: Sequence[float]) -> np.ndarray:
    """Per-organisation numbers as a (K, 1) column that broadcasts over employees."""
    return np.asarray(values, dtype=float)[:, None]


def _vector(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=float)


@dataclass
class BatchResult:
    """The weekly totals of every organisation in a batch: `columns[name]` is (K, weeks)."""

    models: list[OrganisationModel]
    columns: dict[str, np.ndarray]

    def timeseries_columns(self, k: int) -> dict[str, np.ndarray]:
        """Organisation k's weekly columns, as :func:`sim.runner.weekly_columns` gives them."""
        from sim.runner import _INTEGER_WEEKLY

        return {name: (values[k].astype(np.int64) if name in _INTEGER_WEEKLY else values[k].copy())
                for name, values in self.columns.items()}


class BatchedOrganisations:
    """K organisations of equal size (and equal :func:`batch_key`) stepped together."""

    def __init__(self, models: Sequence[OrganisationModel]) -> None:
        if not models:
            raise ValueError("a batch needs at least one organisation")
        keys = {batch_key(m) for m in models}
        if None in keys or len(keys) != 1:
            raise ValueError("organisations in a batch must all be batchable with one batch_key")
        self.models = list(models)
        key = keys.pop()
        (self.n, self.weeks, self.has_noise, self.has_habit, self.has_conformity, self.has_erosion,
         self.has_learning, self.has_memory, self.has_script, self.has_audit, self.has_detector,
         self.has_seats, self.has_review, self.per_token, valuation) = key
        self.claimed_valuation = valuation == "claimed_hours"
        self.k = len(self.models)
        self._gather()

    # --- set-up: per-organisation parameters as columns, state as rows ---------------------
    def _gather(self) -> None:
        ms, n = self.models, self.n
        cfg = [m.config for m in ms]
        beh = [c.behavior for c in cfg]
        terms = [m.policy_terms() for m in ms]
        self.terms = terms
        self.rngs = [m.rng for m in ms]
        col = _column
        self.c = col([b.effort_cost for b in beh])
        self.delta = col([b.substitutability for b in beh])
        self.kappa = col([b.conformity for b in beh])
        self.cap = col([b.max_ai_hours_per_week for b in beh])
        self.lam = col([m.adjustment_cost for m in ms])
        self.noise = [b.noise for b in beh]
        self.erosion = col([b.norm_erosion for b in beh])
        self.learning = col([b.learning_rate for b in beh])
        self.memory = col([b.flag_memory for b in beh])
        self.kr_g = _vector([t.kpi_rate.per_genuine_hour for t in terms])
        self.kr_p = _vector([t.kpi_rate.per_performative_hour for t in terms])
        self.pen_g = col([t.penalty.per_genuine_hour for t in terms])
        self.pen_p = col([t.penalty.per_performative_hour for t in terms])
        self.pen_s = col([t.penalty.per_script_hour for t in terms])
        self.tpr = col([t.detector.tpr for t in terms])
        self.fpr = col([t.detector.fpr for t in terms])
        self.script_tpr = col([t.detector.script_tpr for t in terms])
        self.audit_rate = [c.audit.rate for c in cfg]
        self.audit_tpr = col([c.audit.tpr for c in cfg])
        self.audit_fpr = col([c.audit.fpr for c in cfg])
        self.audit_penalty = col([c.audit.penalty for c in cfg])
        self.detection_penalty = col([c.detection.penalty for c in cfg])
        self.script_kpi = _vector([t.script_kpi for t in terms])
        scripts = [c.usage.script for c in cfg]
        self.upkeep = _vector([s.upkeep_hours_per_week for s in scripts])
        self.equivalent = _vector([s.equivalent_hours for s in scripts])
        self.strength0 = _vector([c.kpi.strength for c in cfg])
        budgets = [c.management.budget for c in cfg]
        self.strength_follows = np.array([b.enabled and b.strength_follows_budget for b in budgets])
        self.seats_follow = np.array([b.enabled and b.seats_follow_budget for b in budgets])
        self.initial_seat_share = _vector([b.initial_seat_share for b in budgets])
        self.allowance_per_seat = _vector([b.allowance_usd_per_seat_month for b in budgets])
        self.allowance_scaled = np.array([b.enabled for b in budgets])
        self.active_threshold = _column([c.kpi.active_threshold_queries for c in cfg])
        self.regime_code = _vector([float(kpis.REGIME_CODES[c.kpi.regime]) for c in cfg])
        self.usd_per_kpi_unit = _vector([t.benchmark.usd_per_kpi_unit for t in terms])
        self.script_obs = {name: _vector([t.script[name] for t in terms]) for name in terms[0].script}
        # hourly rates: scalars per organisation except the two per-employee rows
        rates = [m.rates for m in ms]
        self.rate = {name: (_vector([r[name].per_genuine_hour for r in rates]), _vector([r[name].per_performative_hour for r in rates]))
                     for name in ("input_tokens", "output_tokens", "queries", "actions")}
        self.queries_g = col([r["queries"].per_genuine_hour for r in rates])
        self.queries_p = col([r["queries"].per_performative_hour for r in rates])
        self.pricing_in = _vector([c.pricing.input_usd_per_mtok for c in cfg])
        self.pricing_out = _vector([c.pricing.output_usd_per_mtok for c in cfg])
        self.per_action = _vector([c.pricing.usd_per_action if c.pricing.usd_per_action is not None else np.nan for c in cfg])
        self.licence = _vector([c.pricing.licence_usd_per_user_month for c in cfg])
        self.enablement = _vector([c.pricing.enablement_usd_per_user_month for c in cfg])
        self.wage = _vector([c.economics.loaded_wage_usd_per_hour for c in cfg])
        self.capture = _vector([c.economics.capture_share for c in cfg])
        energy = [c.energy for c in cfg]
        self.j_in = _vector([e.joules_per_input_token for e in energy])
        self.j_out = _vector([e.joules_per_output_token for e in energy])
        self.pue = _vector([e.pue for e in energy])
        self.grid = _vector([e.grid_kg_co2_per_kwh for e in energy])
        security = [c.security for c in cfg]
        self.exp_g = _vector([s.exposures_per_million_genuine_queries for s in security])
        self.exp_p = _vector([s.exposures_per_million_performative_queries for s in security])
        self.exp_s = _vector([s.exposures_per_million_scripted_queries for s in security])

        stack = lambda arrays: np.stack(arrays)  # noqa: E731
        self.speedup = stack([m.traits.speedup for m in ms])
        self.motivation = stack([m.traits.intrinsic_motivation for m in ms])
        self.integrity_cost = stack([m.traits.integrity_cost for m in ms])
        st = [m.state for m in ms]
        self.g = stack([s.genuine_hours for s in st])
        self.p = stack([s.performative_hours for s in st])
        self.script = stack([s.script for s in st])
        self.gaming = stack([s.gaming for s in st])
        self.belief = stack([s.belief for s in st])
        self.flags = stack([s.flags for s in st])
        self.enforcement: np.ndarray | float = (stack([np.broadcast_to(np.asarray(s.enforcement, dtype=float), (n,)) for s in st])
                                                if self.has_memory else 1.0)
        self.peer_gaming_share = (stack([np.broadcast_to(np.asarray(s.peer_gaming_share, dtype=float), (n,)) for s in st])
                                  if self.has_erosion else 0.0)
        self.claimed_rate = np.maximum(self.belief, 0.0)
        self.flagged_while_honest = stack([m.flagged_while_honest for m in ms])
        self._build_network()

    def _build_network(self) -> None:
        """The organisations' colleague networks as one block-diagonal network over K x N rows."""
        k, n = self.k, self.n
        teams, offset = [], 0
        indptr, indices, data = [np.zeros(1, dtype=np.int64)], [], []
        nnz = 0
        for i, m in enumerate(self.models):
            net = m.network
            teams.append(net.team + offset)
            offset += len(net.team_sizes)
            cross = net.cross
            indptr.append(cross.indptr[1:].astype(np.int64) + nnz)
            indices.append(cross.indices.astype(np.int64) + i * n)
            data.append(cross.data)
            nnz += cross.nnz
        self.team = np.concatenate(teams)
        self.team_sizes = np.bincount(self.team)
        self.cross = (sp.csr_array((np.concatenate(data), np.concatenate(indices), np.concatenate(indptr)), shape=(k * n, k * n))
                      if nnz else None)
        self.degree = np.stack([m.network.degree for m in self.models])
        self._has_colleagues = self.degree > 0

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        flat = values.reshape(-1)
        team_sum = np.bincount(self.team, weights=flat, minlength=len(self.team_sizes))
        total = team_sum[self.team] - flat
        if self.cross is not None:
            total += self.cross @ flat
        total = total.reshape(values.shape)
        return np.divide(total, self.degree, out=np.zeros(values.shape), where=self._has_colleagues)

    # --- per week ----------------------------------------------------------------------------
    def _management(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(target, strength, budget index) per organisation as the week starts."""
        mg = [m.management for m in self.models]
        target = _vector([x.target for x in mg])
        budget = _vector([x.budget_index for x in mg])
        strength = self.strength0 * np.where(self.strength_follows, budget, 1.0)
        return target, strength, budget

    def _seated(self, budget: np.ndarray) -> np.ndarray | None:
        if not self.has_seats:
            return None
        n = self.n
        share = self.initial_seat_share * np.where(self.seats_follow, budget, 1.0)
        mask = np.zeros((self.k, n), dtype=bool)
        for i, m in enumerate(self.models):
            seats = int(round(min(1.0, float(share[i])) * n))
            mask[i, m.seat_order[:seats]] = True
        return mask

    def _integrity(self) -> np.ndarray:
        if not self.has_erosion:
            return self.integrity_cost
        return self.integrity_cost * (1.0 - self.erosion * self.peer_gaming_share)

    def _cap(self, a_g: np.ndarray, a_p: np.ndarray, g: np.ndarray, p: np.ndarray) -> None:
        """The answers that break the hours cap, solved again by the candidate method (in place)."""
        over = np.flatnonzero(g + p > self.cap)
        if over.size:
            rows = over // self.n
            col = lambda x: np.broadcast_to(x, (self.k, 1))[rows, 0]  # noqa: E731
            sub = Problem(a_g.reshape(-1)[over], a_p.reshape(-1)[over], col(self.c), col(self.delta), col(self.kappa),
                          col(self.cap), None, col(self.lam))
            g_cap, p_cap = best_response_by_candidates(sub)
            g.reshape(-1)[over], p.reshape(-1)[over] = g_cap, p_cap

    def run(self) -> BatchResult:
        c, delta, kappa, lam = self.c, self.delta, self.kappa, self.lam
        self.h11, self.h12, self.h22 = c + lam, delta * c, c + 2 * kappa + lam
        self.det = self.h11 * self.h22 - self.h12 * self.h12
        u = self.upkeep[:, None]
        columns = {"pen_g": self.pen_g, "pen_p": self.pen_p, "pen_s": self.pen_s, "kappa2": 2 * kappa, "lam": lam,
                   "h11": self.h11, "h12": self.h12, "h22": self.h22, "det": self.det, "cap": self.cap,
                   "shift_g": -delta * c * u, "shift_p": -c * u, "upkeep_cost": 0.5 * c * u**2, "half_c": 0.5 * c,
                   "delta_c": delta * c, "kappa": kappa, "audit_penalty": self.audit_penalty,
                   "detection_penalty": self.detection_penalty, "queries_g": self.queries_g, "queries_p": self.queries_p,
                   "active_at": self.active_threshold * (1 - 1e-9)}
        self.col = {name: np.ascontiguousarray(np.broadcast_to(values, (self.k, 1))[:, 0]) for name, values in columns.items()}
        self.shocks = np.empty((self.k, 2 * self.n))
        self._pending: list[WeekTotals] = []  # weeks whose rows are not yet built (without management reviews)
        rows: list[dict[str, np.ndarray]] = []  # (weeks, K) arrays of rows already built
        for week in range(1, self.weeks + 1):
            self._step(week)
            if self.has_review:  # management reads this week's row before the next
                rows.append(self._rows(self._pending))
                self._review(week, rows[-1])
                self._pending = []
        if self._pending:
            rows.append(self._rows(self._pending))
        columns = {name: np.ascontiguousarray(np.concatenate([r[name] for r in rows]).T) for name in rows[0]}
        for i, m in enumerate(self.models):
            m.flagged_while_honest = self.flagged_while_honest[i].copy()
            state = m.state
            state.genuine_hours, state.performative_hours = self.g[i].copy(), self.p[i].copy()
            state.belief = self.belief[i].copy()
        return BatchResult(self.models, columns)

    @property
    def enforcement_rows(self) -> np.ndarray:
        """The flag-memory enforcement as (K, N) rows (a placeholder the kernels never read without it)."""
        return self.enforcement if self.has_memory else _NO_ROWS

    def _step(self, week: int) -> None:
        k, n = self.k, self.n
        peers_p = self.neighbour_mean(self.p)
        if self.has_erosion:
            self.peer_gaming_share = self.neighbour_mean(self.gaming.astype(float))
        target, strength, budget = self._management()
        seated = self._seated(budget)
        per_kpi_unit = strength / target
        integrity = self._integrity()
        # the hours problem (OrganisationModel._hours_problem) and the choice (strategies._linear)
        if self.has_noise:
            for i, rng in enumerate(self.rngs):
                self.shocks[i] = rng.normal(0.0, self.noise[i], 2 * n)
        a_g, a_p, g, p = (np.empty((k, n)) for _ in range(4))
        sg, sp = (np.empty((k, n)), np.empty((k, n))) if self.has_script else (a_g, a_p)
        col = self.col
        over = kernels.hours_problems(
            self.motivation, self.belief, integrity, self.enforcement_rows, self.has_memory, col["pen_g"], col["pen_p"],
            self.kr_g * per_kpi_unit, self.kr_p * per_kpi_unit, col["kappa2"], self.has_conformity, peers_p,
            self.shocks, self.has_noise, col["lam"], self.has_habit, self.g, self.p, col["h11"], col["h12"],
            col["h22"], col["det"], col["cap"], self.has_script, col["shift_g"], col["shift_p"], a_g, a_p, g, p, sg, sp)
        if over:
            self._cap(a_g, a_p, g, p)
        scripts = np.zeros((k, n), dtype=bool)
        if self.has_script:
            if over:
                self._cap(a_g + col["shift_g"][:, None], a_p + col["shift_p"][:, None], sg, sp)
            kernels.choose_script(a_g, a_p, g, p, sg, sp, col["shift_g"], col["shift_p"], integrity,
                                  self.enforcement_rows, self.has_memory, col["pen_s"], per_kpi_unit * self.script_kpi,
                                  self.equivalent, col["upkeep_cost"], col["h11"], col["h12"], col["h22"], scripts)
        if seated is not None:
            g, p = np.where(seated, g, 0.0), np.where(seated, p, 0.0)
            if self.has_script:
                scripts = scripts & seated
        self._observe(week, g, p, scripts, peers_p, integrity, target, strength, budget, seated)

    def _observe(self, week, g, p, scripts, peers_p, integrity, target, strength, budget, seated) -> None:
        k, n = self.k, self.n
        # flags (enforcement.draw_flags)
        script_hours = scripts * self.equivalent[:, None]
        audit_flags = np.zeros((k, n))
        if self.has_audit:
            for i, rng in enumerate(self.rngs):
                if self.audit_rate[i] > 0:
                    audited = np.flatnonzero(rng.random(n) < self.audit_rate[i])
                    mean = self.audit_tpr[i, 0] * (p[i, audited] + script_hours[i, audited]) + self.audit_fpr[i, 0] * g[i, audited]
                    audit_flags[i, audited] = rng.poisson(mean)
        if self.has_detector:
            uniform = np.empty((k, n))
            for i, rng in enumerate(self.rngs):
                uniform[i] = rng.random(n)
            mean = self.tpr * p + self.fpr * g + self.script_tpr * script_hours
            detector_flags = poisson_by_inversion(mean.reshape(-1), uniform.reshape(-1)).reshape(k, n)
        else:
            detector_flags = np.zeros((k, n))
        # KPI, reward, payoff and the week's totals (OrganisationModel._observe, accounts.week_row)
        gaming, all_flags = np.empty((k, n), dtype=bool), np.empty((k, n))
        sums, counts = np.empty((k, len(kernels.SUMS))), np.empty((k, len(kernels.COUNTS)))
        col = self.col
        kernels.observe(g, p, scripts, peers_p, integrity, self.motivation, self.belief, self.speedup, self.claimed_rate,
                        audit_flags, detector_flags, self.has_script, self.has_conformity, self.kr_g, self.kr_p,
                        self.script_kpi, strength, target, target * (1 - 1e-9), self.equivalent, self.upkeep,
                        col["half_c"], col["delta_c"], col["kappa"], col["audit_penalty"], col["detection_penalty"],
                        col["queries_g"], col["queries_p"], self.script_obs["queries"], col["active_at"], gaming,
                        all_flags, self.flagged_while_honest, sums, counts)
        seats = np.full(k, float(n)) if seated is None else np.count_nonzero(seated, axis=1).astype(float)
        self._pending.append(WeekTotals(week, target, strength, budget, seats, sums, counts, self._exposures(sums, counts)))
        # the state of the week just decided
        self.g, self.p, self.script, self.gaming, self.flags = g, p, scripts, gaming, all_flags
        if self.has_learning:
            self.belief = np.where(g > 0, self.belief + self.learning * (self.speedup - self.belief), self.belief)
            self.claimed_rate = np.maximum(self.belief, 0.0)
        if self.has_memory:
            keep = 0.5 ** (1.0 / FLAG_MEMORY_HALF_LIFE_WEEKS)
            remembered = 1.0 + (np.asarray(self.enforcement, dtype=float) - 1.0) * keep + self.memory * (self.flags > 0)
            self.enforcement = np.where(self.memory > 0, remembered, self.enforcement)

    def _exposures(self, sums: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """This week's data-exposure incidents, drawn from each organisation's generator (as week_row
        draws them, after the flags)."""
        rate_g, rate_p = self.rate["queries"]
        queries_g = rate_g * sums[:, kernels.SUMS.index("genuine_hours")]
        queries_p = rate_p * sums[:, kernels.SUMS.index("performative_hours")]
        queries_s = counts[:, kernels.COUNTS.index("scripts")] * self.script_obs["queries"]
        expected = (queries_g * self.exp_g + queries_p * self.exp_p + queries_s * self.exp_s) / 1e6
        return np.array([float(rng.poisson(expected[i])) for i, rng in enumerate(self.rngs)])

    def _review(self, week: int, row: dict[str, np.ndarray]) -> None:
        """Management's review of the week (ManagementState.review) in every organisation."""
        for i, m in enumerate(self.models):
            m.management.review(week, {name: float(row[name][-1, i]) for name in _REVIEWED})

    def _rows(self, pending: list[WeekTotals]) -> dict[str, np.ndarray]:
        """accounts.week_row and economics.week_economics for every organisation and week at once:
        each column (weeks, K), from the employee totals and head-counts of batch_kernels.observe."""
        k, n = self.k, self.n
        stacked = lambda name: np.stack([getattr(w, name) for w in pending])  # noqa: E731
        target, strength, budget, seats = stacked("target"), stacked("strength"), stacked("budget"), stacked("seats")
        sums, counts = stacked("sums"), stacked("counts")
        totals = {name: sums[:, :, j] for j, name in enumerate(kernels.SUMS)}
        heads = {name: counts[:, :, j] for j, name in enumerate(kernels.COUNTS)}
        shape = target.shape
        gaming_count = heads["gaming"]
        scripts_running = heads["scripts"]
        # allowance (ManagementState.allowance_usd_per_week)
        scale = np.where(self.allowance_scaled, budget, 1.0)
        allowance = np.where(self.allowance_per_seat == 0, 0.0, seats * self.allowance_per_seat / WEEKS_PER_MONTH * scale)
        # week_economics
        g_total, p_total = totals["genuine_hours"], totals["performative_hours"]

        def split(name: str) -> tuple[np.ndarray, np.ndarray]:
            rate_g, rate_p = self.rate[name]
            return rate_g * g_total, rate_p * p_total

        script = self.script_obs
        in_g, in_p = split("input_tokens")
        out_g, out_p = split("output_tokens")
        in_s, out_s = scripts_running * script["input_tokens"], scripts_running * script["output_tokens"]
        in_p, out_p = in_p + in_s, out_p + out_s
        queries_g, queries_p = split("queries")
        queries_s = scripts_running * script["queries"]
        actions_g, actions_p = split("actions")
        actions_p = actions_p + scripts_running * script["actions"]
        true_saved = (0 + totals["true_hours_saved"]) + 0.0 * p_total
        claimed_saved = (0 + totals["claimed_hours_saved"]) + 0.0 * p_total
        cost_genuine = (in_g * self.pricing_in + out_g * self.pricing_out) / 1e6
        cost_performative = (in_p * self.pricing_in + out_p * self.pricing_out) / 1e6
        if self.per_token:
            usage_spend, wasted_spend = cost_genuine + cost_performative, cost_performative
        else:
            usage_spend, wasted_spend = (actions_g + actions_p) * self.per_action, actions_p * self.per_action
        short = allowance - usage_spend
        unused_allowance = np.where(short > 0.0, short, 0.0)
        usage_spend = usage_spend + unused_allowance
        licence = seats * self.licence / WEEKS_PER_MONTH
        enablement = seats * self.enablement / WEEKS_PER_MONTH
        spend = usage_spend + licence + enablement
        wage = self.wage
        kwh_g = (in_g * self.j_in + out_g * self.j_out) * self.pue / JOULES_PER_KWH
        kwh_p = (in_p * self.j_in + out_p * self.j_out) * self.pue / JOULES_PER_KWH
        grid = self.grid
        upkeep = scripts_running * self.upkeep
        captured_value = true_saved * self.capture * wage
        wasted_hours_cost = (p_total + upkeep) * wage
        claimed_saved = claimed_saved + 0.0  # + the (absent) misreported hours, as week_row adds them
        reported_kpi = totals["reported_kpi"]
        if self.claimed_valuation:
            reported_value = claimed_saved * wage
        else:
            reported_value = reported_kpi * self.usd_per_kpi_unit
        exposures = stacked("exposures")
        zeros = np.zeros(shape)
        row = {
            "week": np.broadcast_to(np.array([float(w.week) for w in pending])[:, None], shape),
            "employees": np.full(shape, float(n)),
            "seats": seats,
            **usage_totals(g_total, p_total, upkeep, in_g, in_p, out_g, out_p, in_s, out_s, queries_g, queries_p,
                           queries_s, actions_g, actions_p, true_saved, claimed_saved, cost_genuine,
                           cost_performative, usage_spend, unused_allowance, wasted_spend, licence, enablement,
                           spend, captured_value, wasted_hours_cost, kwh_g, kwh_p, grid),
            **{name: zeros for name in kpis.MISREPORT_COLUMNS},
            "reported_value_usd": reported_value,
            "reported_kpi": reported_kpi,
            "genuine_kpi": totals["genuine_kpi"],
            "kpi_target": target,
            "kpi_strength": strength,
            "kpi_regime_code": np.broadcast_to(self.regime_code, shape),
            "budget_index": budget,
            "target_reached_share": heads["target_reached"] / n,
            "gaming_employees": gaming_count,
            "gaming_share": gaming_count / n,
            "scripts_running": scripts_running,
            "manual_gamers": heads["manual"],
            "misreporting_employees": heads["misreporting"],
            "active_users": heads["active"],
            "honest_claimed_hours_saved": totals["honest_claimed_hours_saved"],
            "honest_true_hours_saved": totals["honest_true_hours_saved"],
            "mean_perception_gap": totals["perception_gap"] / n,
            "flagged_employees": heads["flagged"],
            "flagged_honest_employees": heads["flagged_honest"],
            "flagged_scripters": heads["flagged_scripters"],
            "flagged_manual_gamers": heads["flagged_manual"],
            "audit_flags": totals["audit_flags"],
            "detector_flags": totals["detector_flags"],
            "flags_on_honest": totals["flags_on_honest"],
            "claims_caught": zeros,
            "data_exposure_incidents": exposures,
            "mean_payoff": totals["payoff"] / n,
        }
        ai_hours = g_total + p_total
        with np.errstate(divide="ignore", invalid="ignore"):
            row["performative_share"] = np.where(ai_hours > 0, p_total / ai_hours, 0.0)
            row["roi_reported"] = np.where(spend > 0, (reported_value - spend) / spend, np.nan)
            row["roi_true"] = np.where(spend > 0, (row["true_value_usd"] - spend) / spend, np.nan)
        return row


@dataclass(frozen=True)
class WeekTotals:
    """What a week leaves for its row of the time series: (K,) vectors and (K, totals) arrays."""

    week: int
    target: np.ndarray
    strength: np.ndarray
    budget: np.ndarray
    seats: np.ndarray
    sums: np.ndarray  # batch_kernels.SUMS per organisation
    counts: np.ndarray  # batch_kernels.COUNTS per organisation
    exposures: np.ndarray


_REVIEWED = ("target_reached_share", "reported_value_usd", "ai_spend_usd", "true_value_usd")
"""The week's totals management reviews (ManagementState.review)."""


def run_batch(scenarios: Sequence[Scenario]) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """Run scenarios (seeds set) together where they share a batch key, one by one otherwise;
    return (summary, weekly columns) per scenario, in order, exactly as :func:`sim.runner.run`."""
    from sim.runner import summarise, weekly_columns

    models = [OrganisationModel(s, agents=False) for s in scenarios]
    results: list[Any] = [None] * len(models)
    groups: dict[tuple, list[int]] = {}
    for i, m in enumerate(models):
        key = batch_key(m)
        if key is None:
            m.run()
            columns = weekly_columns(m.records)
            results[i] = (summarise(m.config, None, m, columns), columns)
        else:
            groups.setdefault(key, []).append(i)
    for members in groups.values():
        batch = BatchedOrganisations([models[i] for i in members]).run()
        for j, i in enumerate(members):
            columns = batch.timeseries_columns(j)
            results[i] = (summarise(models[i].config, None, models[i], columns), columns)
    return results


MAX_BATCH_EMPLOYEES = 200_000
"""Most employees (summed over organisations) :func:`run_batches` steps in one batch: large
organisations gain nothing from batching, and K x N arrays of them would hold memory for nothing."""


def run_batches(scenarios: Sequence[Scenario], max_employees: int = MAX_BATCH_EMPLOYEES
                ) -> list[tuple[dict[str, Any], dict[str, np.ndarray]]]:
    """:func:`run_batch` on consecutive slices of at most `max_employees` employees in all (at least
    one scenario each): the same results, in order, with memory bounded by the largest slice."""
    results: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []
    start = 0
    while start < len(scenarios):
        stop, employees = start + 1, scenarios[start].organization.employees
        while stop < len(scenarios) and employees + scenarios[stop].organization.employees <= max_employees:
            employees += scenarios[stop].organization.employees
            stop += 1
        results += run_batch(scenarios[start:stop])
        start = stop
    return results
