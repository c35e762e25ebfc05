"""The market: a Mesa model whose agents are firms, each running its own organisation model.

Each week (model brief 10.8):
1. the vendor's pricing in force (it may move to value-based pricing this week);
2. every firm's organisation runs one week under its KPI policy (employees choose genuine and
   performative use; management reviews its budget on reported ROI): all firms are the
   organisations of one :class:`sim.engine.engine.Engine`, stepped together;
3. the vendor books its revenue; investors credit each firm with a mix of its reported and true
   AI gains ($ per employee-week, net of AI spend and the KPI's measurement cost), the weight on
   reported figures fixed or learned from the audits they have seen (`investors.prior_audits`);
4. at each review (quarterly by default): outside audits reveal some firms' true ROI (scandals
   where the dashboard overstated it), which investors learn from and which can raise every firm's
   finance audit hazard (`correction.scandal_scrutiny`); the vendor recommends the policy its
   clients pay most on; firms imitate better-valued firms; the correction comes when enough
   scandals have piled up (from then on, with `correction.publish_audits`, every firm's audited
   true ROI is public).
Firms' arithmetic is on arrays over their employees; the market's on arrays over firms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from sim.engine.engine import Engine
from sim.market import correction as corrections
from sim.market import imitation, investors, vendor
from sim.market.io import LoadedMarket

FIRM_COLUMNS = (
    "employees", "reported_value_usd", "true_value_usd", "ai_spend_usd", "usage_spend_usd", "wasted_spend_usd",
    "unused_allowance_usd", "licence_cost_usd", "tokens", "performative_tokens", "actions", "co2_kg",
    "wasted_co2_kg", "gaming_share", "seats", "wasted_hours_cost_usd",
)
"""Weekly organisation totals the market reads from each firm (names as in the time series)."""
WEEKS_PER_MONTH = 52.0 / 12.0


class Firm(mesa.Agent):
    """One organisation in the market: organisation `index` of the market's engine, and the policy it runs."""

    def __init__(self, model: MarketModel, index: int, policy: int) -> None:
        super().__init__(model)
        self.index = index
        self.policy = policy

    def latest(self) -> dict[str, float]:
        """The firm's totals of the latest week."""
        return self.model.engine.record(self.index, -1)

    def change_policy(self, changes: dict[str, Any], origin: str) -> None:
        """Change the firm's policy from next week (see OrganisationModel.change_policy)."""
        self.model.engine.change_policy(self.index, changes, origin)


@dataclass
class Period:
    """Sums per firm since the last review."""

    n: int
    sums: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, values: dict[str, np.ndarray]) -> None:
        for name, value in values.items():
            self.sums[name] = self.sums.get(name, np.zeros(self.n)) + value

    def clear(self) -> None:
        self.sums = {}


class MarketModel(mesa.Model):
    """An industry of `market.firms` organisations, their investors and their AI vendor."""

    def __init__(self, loaded: LoadedMarket, seed: int | None = None) -> None:
        market = loaded.market if seed is None else loaded.market.model_copy(update={"seed": int(seed)})
        children = np.random.SeedSequence(market.seed).spawn(market.firms + 1)
        super().__init__(rng=np.random.default_rng(children[-1]))
        self.loaded, self.market = loaded, market
        self.policy_names = [p.name for p in market.policies]
        self.measurement_usd_per_employee_week = np.array(
            [p.measurement_usd_per_employee_month / WEEKS_PER_MONTH for p in market.policies])
        start = initial_policies(np.array([p.share for p in market.policies]), market.firms, self.rng)
        seeds = [int(child.generate_state(1, dtype=np.uint64)[0] >> 1) for child in children[:-1]]
        scenarios = [loaded.scenarios[self.policy_names[k]] for k in start]
        self.engine = Engine([s.model_copy(update={"seed": seed}) for s, seed in zip(scenarios, seeds, strict=True)],
                             [np.random.default_rng(seed) for seed in seeds])
        self.firms = [Firm(self, i, int(k)) for i, k in enumerate(start)]
        n = market.firms
        self.credited: np.ndarray | None = None
        self.reported_smoothed: np.ndarray | None = None  # investors' memory of reported gains, $ per employee-week
        self.true_smoothed: np.ndarray | None = None  # ... and of true gains
        self.weight_reported = np.full(n, market.investors.weight_reported)
        self.trust = investors.Trust.prior(market.investors)
        self.revealed = np.zeros(n, dtype=bool)
        self.corrected_week: int | None = None
        self.total_scandals = 0
        self.price_usd_per_action: float | None = None
        self.recommended: int | None = None
        self.period = Period(n)
        self.records: list[dict[str, Any]] = []
        self.firm_weeks: list[dict[str, np.ndarray]] = []
        self.events: list[tuple[int, str]] = []
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _reporter(name) for name in INDUSTRY_REPORTERS})

    @property
    def policy(self) -> np.ndarray:
        return np.array([f.policy for f in self.firms])

    def step(self) -> None:
        week = self.steps
        market = self.market
        if market.vendor.value_based_from_week == week:
            self._switch_to_value_pricing(week)
        self.engine.step()
        rows = {c: np.asarray(self.engine.weeks[-1][c], dtype=float) for c in FIRM_COLUMNS}
        policy = self.policy
        employees = rows["employees"]
        measurement = self.measurement_usd_per_employee_week[policy] * employees
        reported_gain = (rows["reported_value_usd"] - rows["ai_spend_usd"] - measurement) / employees
        true_gain = (rows["true_value_usd"] - rows["ai_spend_usd"] - measurement) / employees
        corrected = self.corrected_week is not None
        weight = investors.weight_on_reported(market.investors, corrected, self.revealed,
                                              None if self.trust is None else self.trust.weight)
        self.weight_reported = weight
        self.credited = investors.credit(self.credited, reported_gain, true_gain, weight, market.investors)
        self.reported_smoothed = investors.credit(self.reported_smoothed, reported_gain, reported_gain,
                                                  np.ones_like(weight), market.investors)
        self.true_smoothed = investors.credit(self.true_smoothed, true_gain, true_gain, np.ones_like(weight),
                                              market.investors)
        income = vendor.revenue(rows)
        self.period.add({**rows, **income, "measurement_usd": measurement})
        if not corrected and corrections.triggered(week, self.total_scandals, market.correction):
            self._correct(week, "scheduled" if market.correction.week is not None and week >= market.correction.week
                          else f"{self.total_scandals} scandals")
        if week % market.imitation.review_every_weeks == 0:
            self._review(week)
        self.firm_weeks.append({
            "week": np.full(len(self.firms), week), "firm": np.arange(len(self.firms)), "policy": policy,
            "credited_gain_usd_per_employee_week": self.credited.copy(), "reported_gain_usd_per_employee_week": reported_gain,
            "true_gain_usd_per_employee_week": true_gain, "revealed": self.revealed.copy(), **rows,
            "measurement_cost_usd": measurement, **{f"vendor_{k}_usd": v for k, v in income.items()},
        })
        self.records.append(self._industry_row(week, rows, income, measurement, policy))
        self.datacollector.collect(self)
        if week >= market.weeks:
            self.running = False

    # --- reviews --------------------------------------------------------------------------
    def _review(self, week: int) -> None:
        market, sums = self.market, self.period.sums
        spend = sums["ai_spend_usd"] + sums["measurement_usd"]
        with np.errstate(divide="ignore", invalid="ignore"):
            reported_roi = (sums["reported_value_usd"] - spend) / spend
            true_roi = (sums["true_value_usd"] - spend) / spend
        revealed = corrections.reveal(len(self.firms), market.correction, self.rng)
        if self.corrected_week is not None and self.corrected_week < week and market.correction.publish_audits:
            revealed = np.ones_like(revealed)  # every firm's audit is published
        scandal = corrections.scandals(revealed & ~self.revealed, reported_roi, true_roi, market.correction)
        if scandal.any():
            self.total_scandals += int(scandal.sum())
            self.events.append((week, f"{int(scandal.sum())} firm(s) exposed: reported ROI "
                                      f"{_pct(reported_roi[scandal].mean())}, true {_pct(true_roi[scandal].mean())}"))
            self._scandal_elsewhere(week, int(scandal.sum()))
        if self.trust is not None and revealed.any():
            self.trust.learn(sums["reported_value_usd"][revealed], sums["true_value_usd"][revealed])
        self.revealed |= revealed
        if self.corrected_week is None and corrections.triggered(week, self.total_scandals, market.correction):
            self._correct(week, f"{self.total_scandals} scandals")
        paid = sum(sums[line] for line in vendor.REVENUE_LINES) / sums["employees"]
        self.recommended = vendor.recommended_policy(self.policy, paid, len(self.policy_names))
        before = self.policy
        valued = imitation.Valued(self.reported_smoothed, self.true_smoothed,
                                  investors.weight_on_reported(market.investors, self.corrected_week is not None,
                                                               self.revealed,
                                                               None if self.trust is None else self.trust.weight),
                                  scandal)
        after = imitation.review(before, self.credited, self.recommended, market.imitation, self.rng, valued)
        for i in np.flatnonzero(after != before):
            self.firms[i].policy = int(after[i])
            self.firms[i].change_policy(self.loaded.changes_for(self.policy_names[after[i]]), origin="market")
        moved = int((after != before).sum())
        if moved:
            gains = np.bincount(after, minlength=len(self.policy_names)) - np.bincount(before, minlength=len(self.policy_names))
            summary = ", ".join(f"{self.policy_names[k]} {g:+d}" for k, g in enumerate(gains) if g)
            self.events.append((week, f"review: {moved} firm(s) changed policy ({summary})"))
        self.period.clear()

    def _scandal_elsewhere(self, week: int, scandals: int) -> None:
        """Every firm's finance audit hazard rises with scandals at other firms (model brief 11.5)."""
        correction = self.market.correction
        if correction.scandal_scrutiny <= 0:
            return
        raised = 0
        for firm in self.firms:
            audit = self.engine.policy(firm.index).management.roi_audit
            if audit.scrutiny is None:  # audits at every look already (after the correction)
                continue
            firm.change_policy({"management.roi_audit.base_rate": corrections.scrutiny_after_scandals(
                audit.base_rate, scandals, correction)}, origin="scandal elsewhere")
            raised += 1
        if raised:
            self.events.append((week, f"finance at {raised} firm(s) looks harder: audit hazard per look "
                                      f"+{correction.scandal_scrutiny * scandals:g} after {scandals} scandal(s)"))

    def _correct(self, week: int, reason: str) -> None:
        self.corrected_week = week
        published = " (published)" if self.market.correction.publish_audits else ""
        self.events.append((week, f"correction ({reason}): investors weigh true results, every firm audits true ROI "
                                  f"every {self.market.correction.firm_audit_every_weeks} weeks{published}"))
        change = corrections.firm_audit(self.market.correction)
        for firm in self.firms:
            firm.change_policy(change, origin="market correction")

    def _switch_to_value_pricing(self, week: int) -> None:
        price = self.market.vendor.usd_per_action
        if price is None:
            recent = self.records[-13:]
            usage = sum(r["vendor_productive_usage_usd"] + r["vendor_performative_usage_usd"] for r in recent)
            actions = sum(r["actions"] for r in recent)
            if actions <= 0:
                self.events.append((week, "the vendor keeps billing per token: no downstream actions in the 13 weeks "
                                          "before the switch to price them revenue-neutrally"))
                return
            price = vendor.neutral_price_usd_per_action(usage, actions)
        self.price_usd_per_action = price
        for firm in self.firms:
            firm.change_policy({"pricing.usd_per_action": price}, origin="vendor")
        self.events.append((week, f"the vendor bills ${price:.4f} per downstream action instead of per token"))

    # --- industry totals ------------------------------------------------------------------
    def _industry_row(self, week: int, rows: dict[str, np.ndarray], income: dict[str, np.ndarray],
                      measurement: np.ndarray, policy: np.ndarray) -> dict[str, Any]:
        spend = float(rows["ai_spend_usd"].sum() + measurement.sum())
        counts = np.bincount(policy, minlength=len(self.policy_names))
        row: dict[str, Any] = {
            "week": week,
            "firms": len(self.firms),
            "employees": float(rows["employees"].sum()),
            "seats": float(rows["seats"].sum()),
            "ai_spend_usd": float(rows["ai_spend_usd"].sum()),
            "measurement_cost_usd": float(measurement.sum()),
            "reported_value_usd": float(rows["reported_value_usd"].sum()),
            "true_value_usd": float(rows["true_value_usd"].sum()),
            "roi_reported": (float(rows["reported_value_usd"].sum()) - spend) / spend,
            "roi_true": (float(rows["true_value_usd"].sum()) - spend) / spend,
            "wasted_spend_usd": float(rows["wasted_spend_usd"].sum()),
            "wasted_hours_cost_usd": float(rows["wasted_hours_cost_usd"].sum()),
            "tokens": float(rows["tokens"].sum()),
            "performative_tokens": float(rows["performative_tokens"].sum()),
            "actions": float(rows["actions"].sum()),
            "co2_kg": float(rows["co2_kg"].sum()),
            "wasted_co2_kg": float(rows["wasted_co2_kg"].sum()),
            "gaming_share": float((rows["gaming_share"] * rows["employees"]).sum() / rows["employees"].sum()),
            "credited_gain_usd_per_employee_week": float(np.average(self.credited, weights=rows["employees"])),
            "investor_weight_reported": float(self.weight_reported.mean()),
            "corrected": self.corrected_week is not None,
            "value_based_pricing": self.price_usd_per_action is not None,
            "recommended_policy": self.policy_names[self.recommended] if self.recommended is not None else "",
            **{f"vendor_{k}_usd": float(v.sum()) for k, v in income.items()},
            **{f"firms_on_{name}": int(c) for name, c in zip(self.policy_names, counts)},
        }
        return row


INDUSTRY_REPORTERS = ("roi_reported", "roi_true", "ai_spend_usd", "wasted_spend_usd", "co2_kg", "gaming_share",
                      "credited_gain_usd_per_employee_week", "corrected")


def initial_policies(shares: np.ndarray, firms: int, rng: np.random.Generator) -> np.ndarray:
    """Policy index of each firm at the start: counts proportional to the shares (largest
    remainder), in a random order."""
    exact = shares / shares.sum() * firms
    counts = np.floor(exact).astype(int)
    rest = firms - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return rng.permutation(np.repeat(np.arange(shares.size), counts))


def _reporter(name: str):
    def report(model: MarketModel) -> Any:
        return model.records[-1][name] if model.records else float("nan")

    report.__name__ = name
    return report


def _pct(ratio: float) -> str:
    return f"{100 * ratio:,.0f}%"
