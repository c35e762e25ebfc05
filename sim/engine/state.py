"""The workforce as arrays: traits drawn once, and the state of the latest week."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.strategies import Choice
from sim.engine.traits import draw_trait
from sim.scenario.schema import Behavior


@dataclass(frozen=True)
class Traits:
    """Per-employee characteristics, fixed for the run."""

    speedup: np.ndarray  # s_i, true hours saved per genuine AI hour
    perceived_speedup: np.ndarray  # what employee i believes AI saves them per genuine hour
    intrinsic_motivation: np.ndarray  # m_i, hours of utility per believed hour saved
    integrity_cost: np.ndarray  # iota_i, hours of utility lost per performative hour
    threshold: np.ndarray  # share of colleagues performing that triggers performing (threshold rule)
    experience: np.ndarray  # e_i in [0, 1] (NaN where the scenario does not model it)

    @classmethod
    def draw(cls, behavior: Behavior, n: int, rng: np.random.Generator) -> Traits:
        """Draw every trait in a fixed order, so a seed fixes the workforce (experience, when
        modelled, last: it gives the speed-up, so the other draws are those without it)."""
        speedup = draw_trait(behavior.speedup, n, rng)
        prior = draw_trait(behavior.perceived_speedup_prior, n, rng)
        anchoring = np.clip(draw_trait(behavior.perception_anchoring, n, rng), 0.0, 1.0)
        motivation = draw_trait(behavior.intrinsic_motivation, n, rng)
        integrity = draw_trait(behavior.integrity_cost, n, rng)
        threshold = draw_trait(behavior.threshold, n, rng)
        experience = np.full(n, np.nan)
        if behavior.experience is not None:
            experience = np.clip(draw_trait(behavior.experience, n, rng), 0.0, 1.0)
            speedup = behavior.ai_knowledge_gain * (1.0 - experience) - behavior.ai_review_overhead
        return cls(
            speedup=speedup,
            perceived_speedup=(1.0 - anchoring) * speedup + anchoring * prior,
            intrinsic_motivation=motivation,
            integrity_cost=integrity,
            threshold=threshold,
            experience=experience,
        )

    @property
    def perception_gap(self) -> np.ndarray:
        """b_i: believed minus true hours saved per genuine AI hour (METR: positive for experts)."""
        return self.perceived_speedup - self.speedup


@dataclass
class WorkforceState:
    """Everything about each employee's latest week (arrays of length N)."""

    genuine_hours: np.ndarray
    performative_hours: np.ndarray
    kpi: np.ndarray = field(default=None)  # measured KPI value
    reward: np.ndarray = field(default=None)  # KPI reward (hours of utility)
    penalty: np.ndarray = field(default=None)  # audit + detector penalties (hours of utility)
    flags: np.ndarray = field(default=None)  # flagged hours, audits and detector
    payoff: np.ndarray = field(default=None)  # realised utility (hours)
    peer_performative_hours: np.ndarray = field(default=None)  # colleagues' mean p the week before
    script: np.ndarray = field(default=None)  # ran a script this week
    belief: np.ndarray = field(default=None)  # hours saved per genuine hour the employee now believes in
    enforcement: np.ndarray | float = 1.0  # subjective factor on expected penalties (flag memory)
    peer_gaming_share: np.ndarray | float = 0.0  # share of colleagues seen gaming last week
    misreport: dict[str, np.ndarray] = field(default_factory=dict)  # misreport units, by channel
    _gaming: np.ndarray | None = field(default=None, repr=False)  # set with each week's choice

    def __post_init__(self) -> None:
        n = self.genuine_hours.shape[0]
        for name in ("kpi", "reward", "penalty", "flags", "payoff", "peer_performative_hours"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n))
        if self.script is None:
            self.script = np.zeros(n, dtype=bool)

    @property
    def size(self) -> int:
        return self.genuine_hours.shape[0]

    def choose(self, choice: Choice) -> None:
        """Take this week's choice as the current state."""
        self.genuine_hours, self.performative_hours = choice.genuine, choice.performative
        self.script = choice.scripts()
        self.misreport = dict(choice.misreport)
        self._gaming = choice.gaming()

    def as_choice(self) -> Choice:
        """The current state as a choice (what an imitator copies)."""
        return Choice(self.genuine_hours, self.performative_hours, dict(self.misreport), self.script)

    @property
    def gaming(self) -> np.ndarray:
        """Employees whose activity this week inflates the KPI without value: manual performative use,
        a misreport or a running script."""
        if self._gaming is None:
            self._gaming = self.as_choice().gaming()
        return self._gaming
