"""The market file: an industry of organisations, its investors, its AI vendor and its correction.

Validated once, at the edge (:mod:`sim.market.io`); models forbid unknown keys and are frozen;
field docstrings are the reference (`docs/market-reference.md`). Every number without a
published source is an ASSUMPTION, meant to be swept (market keys work in sweep specs).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.scenario.schema import POLICY_SECTIONS, Strict

FIRM_POLICY_SECTIONS = tuple(s for s in POLICY_SECTIONS if s != "pricing") + ("management",)
"""Scenario sections a firm's policy may set (pricing is the vendor's)."""


MAX_WEEKS = 1040
"""Longest market run (twenty years), and the longest review or audit interval."""


class Policy(Strict):
    """A KPI policy a firm can run: key paths of its organisation scenario, and what it costs."""

    name: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    """Short label (letters, digits, _ . -), shown in the report."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Key paths of the organisation scenario this policy sets, e.g. {kpi.regime: tokens, kpi.strength: 0.75}."""
    share: float = Field(0.0, ge=0)
    """Share of firms on this policy at the start (shares are normalised to sum to 1)."""
    measurement_usd_per_employee_month: float = Field(0.0, ge=0)
    """What measuring this KPI costs the firm per employee and month (ASSUMPTION): token and query
    counts come free with the vendor's dashboard; action-linked tracking needs integrations;
    error-rate measurement needs quality sampling."""


class Investors(Strict):
    """How investors and boards value firms: a mix of what firms report and what is true."""

    weight_reported: float = Field(0.8, ge=0, le=1)
    """Weight on a firm's reported AI gains (the rest on true gains) before a correction
    (ASSUMPTION: markets read reported figures; fundamentals show through slowly)."""
    weight_reported_after_correction: float = Field(0.2, ge=0, le=1)
    """The same weight once the correction has come: finance demands evidence of actual ROI."""
    memory_weeks: float = Field(13.0, gt=0)
    """Half-life, in weeks, of the weekly figures in investors' valuation (ASSUMPTION: a quarter)."""
    prior_audits: float | None = Field(None, gt=0)
    """Investors' trust in dashboards as a belief (model brief 11.6): the weight on reported figures
    starts at `weight_reported`, a prior worth this many audits (ASSUMPTION); every audit investors
    see adds the share of that firm's reported value that was true (a Beta mean), so scandals lower
    the weight for every firm not yet audited and honest dashboards keep it. Empty: fixed weights
    (`weight_reported`, then `weight_reported_after_correction` from the correction)."""


class Imitation(Strict):
    """Firms review their KPI policy and copy better-valued firms (proportional imitation)."""

    review_every_weeks: int = Field(13, ge=1, le=MAX_WEEKS)
    """Weeks between policy reviews (13: quarterly)."""
    review_share: float = Field(0.5, ge=0, le=1)
    """Share of firms that review at each review (ASSUMPTION)."""
    scale_usd_per_employee_week: float = Field(10.0, gt=0)
    """A reviewing firm meets one random peer and copies its policy with probability
    (peer's valuation - own) / this, clipped to [0, 1] (Schlag's proportional imitation rule;
    the scale is an ASSUMPTION): a peer better by this much is copied for sure."""
    vendor_influence: float = Field(0.1, ge=0, le=1)
    """Share of reviewing firms that take the vendor's recommended policy instead (the dashboard
    and playbook that come with the product; ASSUMPTION)."""
    valuation: Literal["credited", "own_investors"] = "credited"
    """What a reviewing firm compares. `credited`: its peer's credited gain against its own.
    `own_investors`: what its own investors would credit it with under the peer's policy, with the
    weight they put on its reported figures (a firm credited on its true figures, after an audit
    or the correction, compares true figures); a firm exposed by a scandal reviews for sure."""


class Vendor(Strict):
    """The AI vendor: earns on seats and usage, recommends the policy that earns it most, and
    can move to value-based pricing."""

    value_based_from_week: int | None = Field(None, ge=1)
    """Week from which the vendor bills per downstream action instead of per token; empty = never."""
    usd_per_action: float | None = Field(None, gt=0)
    """Price per action under value-based pricing; empty = revenue-neutral at the switch (the
    usage revenue of the 13 weeks before / their actions)."""

    @model_validator(mode="after")
    def _neutral_price_needs_a_week_before(self) -> Vendor:
        if self.value_based_from_week == 1 and self.usd_per_action is None:
            raise ValueError("value_based_from_week 1 needs usd_per_action: the revenue-neutral price comes from "
                             "the weeks before the switch, and there are none")
        return self


class Correction(Strict):
    """When finance starts demanding evidence of actual ROI across the industry."""

    week: int | None = Field(None, ge=1)
    """A correction at this week regardless; empty = only when audits trigger it."""
    audit_share_per_review: float = Field(0.05, ge=0, le=1)
    """Share of firms whose true ROI an outside audit (analyst, auditor, journalist) reveals at each
    review (ASSUMPTION)."""
    scandal_gap_roi: float = Field(1.0, ge=0)
    """A revealed firm whose reported ROI exceeds its true ROI by more than this (ratio: 1 = 100
    percentage points) is a scandal."""
    scandals_to_trigger: int | None = Field(3, ge=1)
    """Scandals that set off the correction; empty = audits never trigger one."""
    firm_audit_every_weeks: int = Field(13, ge=1, le=MAX_WEEKS)
    """After the correction every firm's finance audits true ROI this often."""
    firm_audit_budget_cut: float = Field(0.5, ge=0, le=1)
    """Share of the AI budget a firm cuts when its audit finds true ROI below zero (a rule; a firm
    whose organisation sets `management.roi_audit.belief_weight` moves its belief instead)."""
    publish_audits: bool = False
    """From the correction, every firm's audited true ROI is public: investors credit each firm on
    its true figures from the first review after it (ASSUMPTION: what a correction is, finance and
    investors demanding evidence of actual ROI). Off: only outside audits reveal firms."""
    scandal_scrutiny: float = Field(0.0, ge=0)
    """A scandal elsewhere (model brief 11.5): each scandal adds this to every firm's finance audit
    hazard per look (`management.roi_audit.base_rate`; ASSUMPTION). Acts only where the firms'
    organisation sets `management.roi_audit.every_weeks` and `scrutiny`."""


class Market(Strict):
    """A market YAML file."""

    name: str = Field("market", min_length=1, max_length=80)
    """Short name; results go to results/market/<name>/."""
    description: str = ""
    """What the market shows, in a sentence or two (the report's lead)."""
    seed: int = Field(42, ge=0)
    """Root seed: every firm's seed and every market draw derive from it (numpy SeedSequence)."""
    weeks: int = Field(156, ge=1, le=MAX_WEEKS)
    """Length of the run (156: three years)."""
    firms: int = Field(50, ge=2, le=2000)
    """Number of organisations."""
    organisation: str = "../default.yaml"
    """Scenario YAML every firm starts from (relative to the market file); firms differ by seed."""
    organisation_set: dict[str, Any] = Field(default_factory=dict)
    """Key paths set for every firm on top of that scenario, e.g. {organization.employees: 500}."""
    policies: list[Policy] = Field(min_length=1)
    """The KPI policies firms can run and the share starting on each."""
    investors: Investors = Field(default_factory=Investors)
    """How investors value firms."""
    imitation: Imitation = Field(default_factory=Imitation)
    """How firms review and copy KPI policies."""
    vendor: Vendor = Field(default_factory=Vendor)
    """The AI vendor's pricing."""
    correction: Correction = Field(default_factory=Correction)
    """When and how finance starts demanding evidence of actual ROI."""

    @model_validator(mode="after")
    def _policies_are_usable(self) -> Market:
        names = [p.name for p in self.policies]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"policies: each name once; repeated: {', '.join(duplicated)}")
        if sum(p.share for p in self.policies) <= 0:
            raise ValueError("policies: at least one policy needs a share above 0")
        for key, week in (("vendor.value_based_from_week", self.vendor.value_based_from_week),
                          ("correction.week", self.correction.week)):
            if week is not None and week > self.weeks:
                raise ValueError(f"{key}: week {week} is after the run's last week ({self.weeks}); allowed: "
                                 f"1..{self.weeks}, or empty for never")
        for i, policy in enumerate(self.policies):
            for path in policy.set:
                if path.split(".", 1)[0] not in FIRM_POLICY_SECTIONS:
                    raise ValueError(f"policies.{i}.set: '{path}' is not a policy key; a policy sets keys under "
                                     f"{', '.join(FIRM_POLICY_SECTIONS)} (pricing is the vendor's)")
        return self
