"""The scenario schema: every key a scenario YAML may hold, its type, default and meaning.

Validated once, at the edge (:mod:`sim.scenario.io`); models forbid unknown keys and are frozen.
Field docstrings are the YAML reference. Defaults from the world cite :mod:`sim.scenario.sources`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario import sources as src
from sim.scenario.regimes import NAMES, REGISTRY

Regime = Literal[NAMES]  # type: ignore[valid-type]  # the registry's regimes (sim.scenario.regimes)
REGIMES: tuple[str, ...] = get_args(Regime)
Scheme = Literal["linear", "quota", "rank"]
Rule = Literal["best_response", "imitation", "threshold"]

DEFAULT_TARGETS: dict[str, float] = {name: regime.default_target for name, regime in REGISTRY.items()}
"""Regime default targets (KPI units per employee per week) when `kpi.target` is not given."""


MAX_MAGNITUDE = 1e12
"""Largest size of any number in a file: beyond it sums of a run would lose all precision or overflow."""

MIN_TARGET = 1e-3
"""Smallest KPI target: below it a linear reward (strength * KPI / target) stops being a number of
hours of pay a chart or a reader can hold (a target of 1e-300 overflows)."""

MAX_INTERVENTIONS = 1_000
"""Most scheduled policy changes in one scenario (one a week for 19 years); each is checked against
the schema, so the cap bounds the time `check` takes."""


class Strict(BaseModel):
    """Base: unknown keys are errors, values are immutable, docstrings document fields; every number
    is finite (no NaN or infinity) and at most MAX_MAGNITUDE in size."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _not_huge(cls, value: Any) -> Any:
        numbers = value.values() if isinstance(value, dict) else value if isinstance(value, list) else (value,)
        for number in numbers:
            if isinstance(number, float) and abs(number) > MAX_MAGNITUDE:
                raise ValueError(f"must be between -{MAX_MAGNITUDE:g} and {MAX_MAGNITUDE:g} (got {number:.3g})")
        return value


# --- Traits: a number (same for everyone) or a distribution (drawn per employee) -------------


class Bounded(Strict):
    min: float | None = None
    """Draws below this are clipped to it."""
    max: float | None = None
    """Draws above this are clipped to it."""


class NormalDist(Bounded):
    dist: Literal["normal"]
    mean: float
    """Mean of the draws (before clipping)."""
    sd: float = Field(ge=0)
    """Standard deviation of the draws."""


class UniformDist(Bounded):
    dist: Literal["uniform"]
    low: float
    """Smallest value drawn."""
    high: float
    """Largest value drawn."""

    @model_validator(mode="after")
    def _ordered(self) -> UniformDist:
        if self.high < self.low:
            raise ValueError("uniform needs low <= high")
        return self


class LognormalDist(Bounded):
    dist: Literal["lognormal"]
    mean: float = Field(gt=0)
    """Mean of the distribution itself (not of its logarithm)."""
    sigma: float = Field(ge=0)
    """Standard deviation of the logarithm."""


class BetaDist(Bounded):
    dist: Literal["beta"]
    a: float = Field(gt=0)
    """First shape parameter (draws lie in [0, 1])."""
    b: float = Field(gt=0)
    """Second shape parameter."""


class ValuesDist(Strict):
    dist: Literal["values"]
    values: list[float] = Field(min_length=1)
    """Assigned to employees in order, repeating the list if it is shorter than the workforce."""


Distribution = Annotated[
    NormalDist | UniformDist | LognormalDist | BetaDist | ValuesDist, Field(discriminator="dist")
]
Trait = float | Distribution


# --- Sections -----------------------------------------------------------------------------


class Organization(Strict):
    employees: int = Field(200, ge=1, le=50_000_000)
    """Head-count of the organisation."""
    team_size: int = Field(10, ge=1, le=50_000_000)
    """Employees per team; colleagues within a team are all connected."""
    cross_team_ties: float = Field(2.0, ge=0, le=1_000)
    """Mean number of extra colleagues per employee in other teams (random ties)."""
    network: Literal["teams", "complete"] = "teams"
    """`teams`: teams plus random cross-team ties; `complete`: everyone is everyone's colleague."""


class Behavior(Strict):
    """How employees decide. Utility is in hours of the employee's own working time (model brief
    10.1): 1 is worth one hour's pay to them."""

    rule: Rule = "best_response"
    """How employees update (g, p) each week: `best_response`, `imitation` or `threshold`."""
    effort_cost: float = Field(src.EFFORT_COST, gt=0)
    """c: attention cost c/2 (g^2 + p^2) of AI use, hours of utility per hour squared."""
    substitutability: float = Field(0.3, ge=0, lt=1)
    """delta in [0, 1): extra cost delta*c*g*p of doing both kinds of AI use."""
    speedup: Trait = NormalDist(dist="normal", mean=src.SPEEDUP_MEAN, sd=src.SPEEDUP_SD)
    """s_i: true hours saved per genuine AI hour (negative = slower, as in METR)."""
    perceived_speedup_prior: Trait = NormalDist(
        dist="normal", mean=src.PERCEIVED_SPEEDUP_PRIOR, sd=src.PERCEIVED_SPEEDUP_PRIOR_SD
    )
    """Hours saved per AI hour that employee i expects before experience (mean: METR's forecast;
    sceptics below, enthusiasts above)."""
    perception_anchoring: Trait = src.PERCEPTION_ANCHORING
    """w_i in [0, 1]: weight of the prior in what employees believe AI saves them, (1 - w_i) s_i +
    w_i prior; their perception gap b_i = w_i (prior - s_i) (METR: belief barely moves with
    experience). 0 = employees know their true speed-up."""
    intrinsic_motivation: Trait = NormalDist(dist="normal", mean=1.0, sd=0.3, min=0.0)
    """m_i: hours of utility per hour the employee believes AI saves them (1: an hour saved is
    worth an hour)."""
    integrity_cost: Trait = LognormalDist(
        dist="lognormal", mean=src.INTEGRITY_COST_MEAN, sigma=src.INTEGRITY_COST_SIGMA
    )
    """iota_i: hours of utility lost per performative hour (stigma, self-image)."""
    conformity: float = Field(0.01, ge=0)
    """kappa: cost kappa*(p - mean colleague p last week)^2, hours of utility per hour squared."""
    noise: float = Field(src.UTILITY_NOISE_SD, ge=0)
    """Sd of the weekly random-utility shocks to the marginal utility of a genuine and of a
    performative hour (hours of utility per hour); the best response is exact for the shocked
    problem, so nobody games by accident."""
    inertia: float = Field(0.5, gt=0, le=1)
    """Share of the way to the frictionless best response moved each week: an adjustment cost
    c (1 - inertia) / inertia / 2 per squared hour of change (1 = jump; corners stay exact)."""
    imitation_rate: float = Field(0.1, ge=0, le=1)
    """imitation: probability per week that an employee compares with one random colleague."""
    selection_intensity: float = Field(5.0, ge=0)
    """imitation: beta of the Fermi rule 1 / (1 + exp(-beta (payoff_j - payoff_i))), per hour of utility."""
    experience: Trait | None = None
    """e_i in [0, 1], 0 = novice, 1 = the most experienced. Set, it gives each employee's speed-up
    (model brief 11.7): s_i = `ai_knowledge_gain` x (1 - e_i) - `ai_review_overhead` (AI supplies
    what one does not yet know; everyone pays for checking its output), in place of `speedup`.
    None: the speed-up is drawn from `speedup`, whatever one's experience."""
    ai_knowledge_gain: float = Field(src.AI_KNOWLEDGE_GAIN, ge=0)
    """With `experience`: hours saved per genuine AI hour for a complete novice, before the overhead."""
    ai_review_overhead: float = Field(src.AI_REVIEW_OVERHEAD, ge=0)
    """With `experience`: hours per genuine AI hour spent checking its output (the most experienced
    lose this much: METR's -0.16)."""
    threshold: Trait = UniformDist(dist="uniform", low=0.0, high=1.0)
    """threshold: share of colleagues who must perform before this employee does (Granovetter)."""
    misreport_cost: float = Field(src.MISREPORT_COST, gt=0)
    """mu: quadratic cost mu/2 m^2 of over-claiming m hours saved (or hours of work marked done) on
    top of the integrity cost iota_i per unit (model brief 10.3): effort of a believable story."""
    outcome_manipulation_cost: float = Field(src.OUTCOME_MANIPULATION_COST, gt=0)
    """mu_e: the same for inflating a measured outcome (choosing easy tasks, moving the baseline):
    much costlier than a self-report, so error_reduction stays the least gameable regime."""
    outcome_manipulation_integrity: float = Field(src.OUTCOME_MANIPULATION_INTEGRITY, ge=0)
    """Integrity cost per hour of manufactured improvement, as a multiple of iota_i: faking a
    measured result weighs more than rounding up a self-report."""
    norm_erosion: float = Field(0.0, ge=0, le=1)
    """Stigma that fades as gaming spreads (model brief 10.6): this week's integrity cost is iota_i x
    (1 - norm_erosion x share of colleagues seen gaming last week). 0 = fixed stigma (default)."""
    descriptive_norm: float = Field(0.0, ge=0)
    """nu: what doing as colleagues do is worth (model brief 11.6: fitting in, being seen as an AI
    power user), hours of utility per performative hour times the share of colleagues seen gaming
    last week. With nu above the integrity cost, gaming pays among gamers even with no KPI: it can
    persist after the KPI that started it is withdrawn. 0 = none (default; ASSUMPTION: no source
    for its size)."""
    learning_rate: float = Field(0.0, ge=0, le=1)
    """Share of the perception gap closed by each week of genuine use (feedback on what AI really
    saves). 0 = beliefs fixed (default)."""
    flag_memory: float = Field(0.0, ge=0)
    """How much being flagged raises an employee's belief of being audited and screened: each week
    flagged adds this to the factor on their expected penalties, which decays back to 1 with a
    half-life of FLAG_MEMORY_HALF_LIFE_WEEKS. 0 = beliefs fixed (default)."""
    initial_performative_share: float = Field(0.05, ge=0, le=1)
    """Share of employees who start the run at their full best response, gaming included."""
    max_ai_hours_per_week: float = Field(40.0, gt=0)
    """Upper bound on g + p."""


class UsageProfile(Strict):
    tokens_per_hour: float = Field(ge=0)
    """Tokens (input + output) consumed per hour of this kind of use."""
    queries_per_hour: float = Field(gt=0)
    """Requests sent per hour."""
    action_rate: float = Field(ge=0, le=1)
    """Share of requests followed by a downstream action (email sent, record updated)."""
    output_token_share: float = Field(ge=0, le=1)
    """Share of tokens that are output (priced and powered apart from input)."""
    done_rate: float = Field(ge=0, le=1)
    """Share of requests the employee marks "done" (the completions KPI)."""
    repeat_share: float = Field(ge=0, le=1)
    """Share of prompts that repeat an earlier prompt (seen by the anomaly detector)."""


class ScriptProfile(Strict):
    """A script that loops prompts to move the metric (model brief 10.3): a discrete weekly choice."""

    enabled: bool = True
    """Employees may run a script (compared exactly with not running one, each week)."""
    upkeep_hours_per_week: float = Field(src.SCRIPT_UPKEEP_HOURS, ge=0)
    """Hours of the employee's time a week to keep the script running (performative time)."""
    tokens_per_week: float = Field(src.SCRIPT_TOKENS_PER_WEEK, ge=0)
    """Tokens the script consumes a week."""
    queries_per_week: float = Field(src.SCRIPT_QUERIES_PER_WEEK, gt=0)
    """Requests the script sends a week."""
    action_rate: float = Field(src.SCRIPT_ACTION_RATE, ge=0, le=1)
    """Share of scripted requests followed by a downstream action (almost none)."""
    output_token_share: float = Field(src.OUTPUT_TOKEN_SHARE, ge=0, le=1)
    """Share of scripted tokens that are output."""
    done_rate: float = Field(0.0, ge=0, le=1)
    """Share of scripted requests that count as tasks marked done (the completions KPI)."""
    repeat_share: float = Field(src.SCRIPT_REPEAT_SHARE, ge=0, le=1)
    """Share of scripted prompts that repeat an earlier prompt (seen by the anomaly detector)."""
    equivalent_hours: float = Field(src.SCRIPT_EQUIVALENT_HOURS, ge=0)
    """What a week of scripting weighs, in hours of manual performative use: the employee's integrity
    cost is iota_i times this, and audits and the detector flag it like this many performative hours."""


class Usage(Strict):
    genuine: UsageProfile = UsageProfile(
        tokens_per_hour=src.GENUINE_TOKENS_PER_HOUR,
        queries_per_hour=src.GENUINE_QUERIES_PER_HOUR,
        action_rate=src.GENUINE_ACTION_RATE,
        output_token_share=src.OUTPUT_TOKEN_SHARE,
        done_rate=src.DONE_RATE_GENUINE,
        repeat_share=src.REPEAT_SHARE_GENUINE,
    )
    """Observables per hour of genuine (value-creating) AI use."""
    performative: UsageProfile = UsageProfile(
        tokens_per_hour=src.PERFORMATIVE_TOKENS_PER_HOUR,
        queries_per_hour=src.PERFORMATIVE_QUERIES_PER_HOUR,
        action_rate=src.PERFORMATIVE_ACTION_RATE,
        output_token_share=src.OUTPUT_TOKEN_SHARE,
        done_rate=src.DONE_RATE_PERFORMATIVE,
        repeat_share=src.REPEAT_SHARE_PERFORMATIVE,
    )
    """Observables per hour of performative (metric-inflating) AI use."""
    script: ScriptProfile = ScriptProfile()
    """The script employees may run instead of (or beside) manual performative use."""

    @model_validator(mode="before")
    @classmethod
    def _fill_profiles(cls, data: Any) -> Any:
        """A profile given in part takes the rest of its keys from that profile's defaults."""
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for kind in ("genuine", "performative"):
            given = filled.get(kind)
            if isinstance(given, dict):
                filled[kind] = {**cls.model_fields[kind].default.model_dump(), **given}
        return filled


class Kpi(Strict):
    regime: Regime = "tokens"
    """What the dashboard counts per employee-week (see the model brief, section 4)."""
    scheme: Scheme = "linear"
    """`linear`: reward strength * KPI / target; `quota`: strength if KPI >= target; `rank`:
    strength if in the top `rank_top_share` of the team last week."""
    strength: float = Field(0.5, ge=0)
    """alpha: what reaching the target is worth to the employee each week, in hours of their pay
    (1 = one hour's pay a week, a bonus or its weight in a review); under `linear` the reward is
    alpha * KPI / target."""
    target: float | None = Field(None, ge=MIN_TARGET, le=MAX_MAGNITUDE)
    """Per employee per week, in KPI units of the regime; empty means the regime's default (tokens:
    50,000). A target set here stays when the regime is changed by `--set` or a sweep: leave it
    empty in base scenarios that others vary. An intervention or live change that switches the
    regime without naming `kpi.target` takes the new regime's default target."""
    weights: dict[Literal[
        "tokens", "queries", "completions", "time_saved", "action_linked", "error_reduction"
    ], float] = Field(default_factory=dict)
    """composite: weight of each regime, each KPI divided by its default target."""
    active_threshold_queries: float = Field(1.0, gt=0)
    """active_user: queries per week that make an employee count as active."""
    measurement_noise: float = Field(0.1, ge=0)
    """error_reduction: sd of measurement noise, as a share of the target."""
    rank_top_share: float = Field(0.2, gt=0, le=1)
    """rank: share of each team rewarded."""
    rank_margin: float = Field(0.05, ge=0)
    """rank: employees aim this far (relative) above last week's cut-off: the arms race."""
    reward_cap: float | None = Field(None, gt=0)
    """linear: the reward stops growing at this multiple of the target (1.5: at 150% attainment, as
    incentive plans cap payouts; ASSUMPTION, no source for the level); none: it grows without bound."""

    @model_validator(mode="after")
    def _composite_needs_weights(self) -> Kpi:
        if self.regime == "composite" and not self.weights:
            raise ValueError("regime 'composite' needs kpi.weights, e.g. {tokens: 0.5, error_reduction: 0.5}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("kpi.weights must be >= 0")
        return self

    @property
    def resolved_target(self) -> float:
        return self.target if self.target is not None else DEFAULT_TARGETS[self.regime]


class Audit(Strict):
    rate: float = Field(0.0, ge=0, le=1)
    """q: share of employee-weeks audited."""
    penalty: float = Field(1.0, ge=0)
    """F: penalty per flagged hour, in hours of the employee's pay."""
    tpr: float = Field(0.8, ge=0, le=1)
    """Probability that an audit flags a performative hour."""
    fpr: float = Field(0.05, ge=0, le=1)
    """Probability that an audit wrongly flags a genuine hour."""
    claim_check_rate: float = Field(0.0, ge=0, le=1)
    """Share of employee-weeks whose self-reported claims (hours saved, tasks done, measured outcomes)
    are checked against measured output."""
    claim_check_tpr: float = Field(0.8, ge=0, le=1)
    """Probability that a check catches an over-claim; the penalty is `audit.penalty` per unit caught."""


class Detection(Strict):
    enabled: bool = False
    """Screen every employee-week with the anomaly detector."""
    threshold_sd: float = 2.5
    """Operating point: flag an hour whose score is this many sds above genuine use (2.5: 0.6% of
    genuine hours flagged; the best balanced accuracy, ~85%, is at d'/2 ~ 1.06)."""
    penalty: float = Field(0.5, ge=0)
    """Penalty per hour flagged by the detector, in hours of the employee's pay."""
    spread_log_tokens_per_query: float = Field(src.SPREAD_LOG_TOKENS_PER_QUERY, gt=0)
    """Spread (sd) of log tokens per query across genuine hours."""
    spread_action_rate: float = Field(src.SPREAD_ACTION_RATE, gt=0)
    """Spread (sd) of the action rate across genuine hours."""
    spread_repeat_share: float = Field(src.SPREAD_REPEAT_SHARE, gt=0)
    """Spread (sd) of the repeated-prompt share across genuine hours."""


class Pricing(Strict):
    input_usd_per_mtok: float = Field(src.CLAUDE_35_SONNET_INPUT_USD_PER_MTOK, ge=0)
    """USD per million input tokens."""
    output_usd_per_mtok: float = Field(src.CLAUDE_35_SONNET_OUTPUT_USD_PER_MTOK, ge=0)
    """USD per million output tokens."""
    licence_usd_per_user_month: float = Field(src.COPILOT_M365_USD_PER_USER_MONTH, ge=0)
    """Seat licence per employee per month (default: the Microsoft 365 Copilot list price)."""
    enablement_usd_per_user_month: float = Field(src.ENABLEMENT_USD_PER_USER_MONTH, ge=0)
    """Enablement and platform cost per employee per month: training, integration, administration."""
    usd_per_action: float | None = Field(None, ge=0)
    """Value-based pricing: if set, pay this per downstream action instead of per token."""


class Economics(Strict):
    loaded_wage_usd_per_hour: float = Field(src.LOADED_WAGE_USD_PER_HOUR, gt=0)
    """Employer cost of one working hour: values hours saved and hours wasted."""
    capture_share: float = Field(src.CAPTURE_SHARE, ge=0, le=1)
    """Share of a working hour's wage that is valued output (the rest is slack): values each truly
    saved hour and, by default, each hour spent performing or keeping a script running."""
    wasted_hour_share: float | None = Field(None, ge=0, le=1)
    """Share of the wage an hour spent performing or on script upkeep costs; unset: the capture
    share (one opportunity cost, brief 11.3). Set it (e.g. 1.0: a wasted hour displaces only valued
    work) to test how the headline depends on it."""


class Energy(Strict):
    joules_per_input_token: float = Field(src.JOULES_PER_INPUT_TOKEN, ge=0)
    """Energy per input (prompt) token at the accelerator, joules."""
    joules_per_output_token: float = Field(src.JOULES_PER_OUTPUT_TOKEN, ge=0)
    """Energy per generated token at the accelerator, joules."""
    pue: float = Field(src.PUE, ge=1)
    """Data-centre power usage effectiveness."""
    grid_kg_co2_per_kwh: float = Field(src.GRID_KG_CO2_PER_KWH, ge=0)
    """Carbon intensity of the electricity, kg CO2 per kWh."""


class Security(Strict):
    exposures_per_million_genuine_queries: float = Field(src.EXPOSURES_PER_MILLION_GENUINE_QUERIES, ge=0)
    """Expected data-exposure incidents per million genuine queries (real work carries real data)."""
    exposures_per_million_performative_queries: float = Field(
        src.EXPOSURES_PER_MILLION_PERFORMATIVE_QUERIES, ge=0
    )
    """Expected data-exposure incidents per million manual performative queries."""
    exposures_per_million_scripted_queries: float = Field(src.EXPOSURES_PER_MILLION_SCRIPTED_QUERIES, ge=0)
    """Expected data-exposure incidents per million scripted queries (whole documents pasted in a loop)."""


class TargetRatchet(Strict):
    enabled: bool = False
    attainment_share: float = Field(0.4, gt=0, le=1)
    """Raise the target when at least this share of employees reached it last week."""
    step: float = Field(0.1, gt=0)
    """Relative rise of the target each time."""


class Budget(Strict):
    enabled: bool = False
    """Review the AI budget on reported ROI (the 'feedback loop of false success')."""
    review_every_weeks: int = Field(13, ge=1)
    """Weeks between budget reviews (13: quarterly)."""
    hurdle_roi: float = 0.0
    """Reported ROI above this grows the budget, below it shrinks it."""
    growth_per_unit_roi: float = Field(0.25, ge=0)
    """Relative budget change per unit of reported ROI above the hurdle (ROI is a ratio: 1 = 100%,
    so 0.25 grows the budget by 25% at a reported ROI of 100%)."""
    max_change: float = Field(0.5, ge=0, le=1)
    """Cap on the relative change at one review."""
    strength_follows_budget: bool = True
    """KPI strength is scaled by the budget index (a bigger budget, a harder push)."""
    initial_seat_share: float = Field(1.0, gt=0, le=1)
    """Share of employees with an AI seat at the start; only seated employees use AI."""
    seats_follow_budget: bool = False
    """Seats are bought (and cut) with the budget: seat share = initial share x budget index, at most 1."""
    allowance_usd_per_seat_month: float = Field(0.0, ge=0)
    """Token allowance bought per seat per month at the start (a prepaid commitment: usage below it
    is paid anyway, usage above it on top); scaled by the budget index."""


class RoiAudit(Strict):
    """Finance measures true ROI now and then (model brief 10.6: the bubble bursting)."""

    every_weeks: int | None = Field(None, ge=1)
    """Weeks between audits of true ROI over the period since the last (ASSUMPTION: a calendar);
    with `scrutiny`, weeks between finance's looks at spend, each of which may become an audit;
    empty = never."""
    hurdle_roi: float = 0.0
    """True ROI below this (a ratio) fails the audit."""
    budget_cut: float = Field(0.5, ge=0, le=1)
    """Share of the budget cut when an audit fails (ASSUMPTION: a rule); not used with `belief_weight`,
    where the budget follows what management believes after the audit."""
    scrutiny: float | None = Field(None, ge=0)
    """Finance's scrutiny (model brief 11.5): at each look, an audit with probability
    1 - exp(-(base_rate + scrutiny x g)), g the growth of the dashboard's value per downstream action
    since the first look (claimed value outpacing the results finance can count); empty: an audit
    at every look."""
    base_rate: float = Field(0.0, ge=0)
    """With `scrutiny`: the audit hazard of a look when the dashboard's value per action has not grown."""
    belief_weight: float | None = Field(None, ge=0, le=1)
    """Management's belief (model brief 11.5): it values the dashboard at a factor (1 at the start,
    the dashboard taken at its word) that each audit moves this far towards what the audit found
    (true value over the dashboard's value for the period); budget, seats and KPI pressure then
    follow the believed ROI at the next reviews. Empty: a failed audit cuts the budget by `budget_cut`."""
    switch_regime: Regime | None = None
    """KPI regime management switches to when an audit fails (its default target); empty = keep."""

Valuation = Literal["kpi_benchmark", "claimed_hours"]
VALUATIONS: tuple[str, ...] = get_args(Valuation)


POLICY_SECTIONS = ("kpi", "audit", "detection", "pricing")


class Intervention(Strict):
    week: int = Field(ge=1)
    """Week at whose start the change applies."""
    set: dict[str, Any] = Field(min_length=1)
    """Key paths and new values, e.g. {kpi.regime: action_linked, audit.rate: 0.1}."""

    @model_validator(mode="after")
    def _policy_only(self) -> Intervention:
        for path in self.set:
            if path.split(".")[0] not in POLICY_SECTIONS:
                raise ValueError(
                    f"intervention key '{path}' is not a policy parameter; allowed sections: "
                    + ", ".join(POLICY_SECTIONS)
                )
        return self


class Management(Strict):
    valuation: Valuation | None = None
    """How management turns its dashboard into dollars of value (model brief 10.4).
    `kpi_benchmark`: the reported KPI times the true value per KPI unit measured in an honest pilot
    of the same organisation (no KPI pressure); `claimed_hours`: self-reported hours saved times
    the wage. Empty: `claimed_hours` under the `time_saved` regime, `kpi_benchmark` otherwise."""
    target_ratchet: TargetRatchet = TargetRatchet()
    interventions: list[Intervention] = Field(default_factory=list, max_length=MAX_INTERVENTIONS)
    """Policy changes at given weeks: a regime switch, audits starting, ..."""
    budget: Budget = Budget()
    roi_audit: RoiAudit = RoiAudit()


class Scenario(Strict):
    name: str = "scenario"
    """Short name; results go to results/<name>/."""
    description: str = ""
    """One or two sentences on what the scenario represents (shown by listings and reports)."""
    weeks: int = Field(52, ge=1, le=10_000)
    """Length of the run; one step is one working week."""
    seed: int = Field(42, ge=0)
    """Root of all randomness in the run: the same seed gives the same numbers."""
    organization: Organization = Organization()
    behavior: Behavior = Behavior()
    usage: Usage = Usage()
    kpi: Kpi = Kpi()
    audit: Audit = Audit()
    detection: Detection = Detection()
    pricing: Pricing = Pricing()
    economics: Economics = Economics()
    energy: Energy = Energy()
    security: Security = Security()
    management: Management = Management()
