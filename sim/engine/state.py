"""The workforce as arrays: traits drawn once, and the state of the latest week."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario.schema import Behavior
from sim.engine.traits import draw_trait


@dataclass(frozen=True)
class Traits:
    """Per-employee characteristics, fixed for the run."""

    speedup: np.ndarray  # s_i, true hours saved per genuine AI hour
    self_report_bias: np.ndarray  # b_i, believed and reported extra hours saved per AI hour
    intrinsic_motivation: np.ndarray  # m_i, utility per believed hour saved
    integrity_cost: np.ndarray  # iota_i, utility cost per performative hour
    threshold: np.ndarray  # share of colleagues performing that triggers performing (threshold rule)

    @classmethod
    def draw(cls, behavior: Behavior, n: int, rng: np.random.Generator) -> Traits:
        """Draw every trait in a fixed order, so a seed fixes the workforce."""
        return cls(
            speedup=draw_trait(behavior.speedup, n, rng),
            self_report_bias=draw_trait(behavior.self_report_bias, n, rng),
            intrinsic_motivation=draw_trait(behavior.intrinsic_motivation, n, rng),
            integrity_cost=draw_trait(behavior.integrity_cost, n, rng),
            threshold=draw_trait(behavior.threshold, n, rng),
        )

    @property
    def perceived_speedup(self) -> np.ndarray:
        """What employees believe AI saves them per genuine hour (METR: belief exceeds truth)."""
        return self.speedup + self.self_report_bias


@dataclass
class WorkforceState:
    """Everything about each employee's latest week (arrays of length N)."""

    genuine_hours: np.ndarray
    performative_hours: np.ndarray
    kpi: np.ndarray = field(default=None)  # measured KPI value
    reward: np.ndarray = field(default=None)  # KPI reward (utility)
    penalty: np.ndarray = field(default=None)  # audit + detector penalties (utility)
    flags: np.ndarray = field(default=None)  # flagged hours, audits and detector
    payoff: np.ndarray = field(default=None)  # realised utility
    peer_performative_hours: np.ndarray = field(default=None)  # colleagues' mean p the week before

    def __post_init__(self) -> None:
        n = self.genuine_hours.shape[0]
        for name in ("kpi", "reward", "penalty", "flags", "payoff", "peer_performative_hours"):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(n))

    @property
    def size(self) -> int:
        return self.genuine_hours.shape[0]
