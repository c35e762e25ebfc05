"""The reference: an idiomatic per-agent Mesa loop running the same decision rule.

Each employee is a Mesa agent with a Python `decide` method (`shuffle_do`), reading its colleagues'
last-week performative hours one by one and solving its own best response with scalar
arithmetic. Supports what the benchmark needs: the linear scheme, the `best_response` rule with
its adjustment cost (inertia; no random-utility noise), conformity, and expected audit/detector
penalties. Built from an
:class:`~sim.engine.model.OrganisationModel` so both start from identical traits, network and week 0.
"""

from __future__ import annotations

import mesa

from sim.engine.model import OrganisationModel


class ReferenceEmployee(mesa.Agent):
    def __init__(self, model: ReferenceModel, genuine_base: float, performative_base: float, g: float, p: float):
        super().__init__(model)
        self.genuine_base = genuine_base
        self.performative_base = performative_base
        self.genuine_hours = g
        self.performative_hours = p
        self.colleagues: list[ReferenceEmployee] = []
        self._next = (g, p)

    def decide(self) -> None:
        m = self.model
        if self.colleagues:
            peers = sum(c.performative_hours for c in self.colleagues) / len(self.colleagues)
        else:
            peers = 0.0
        lam = m.adjustment
        a_g = self.genuine_base + m.reward_per_genuine_hour + lam * self.genuine_hours
        a_p = self.performative_base + m.reward_per_performative_hour + 2 * m.kappa * peers + lam * self.performative_hours
        self._next = best_response_scalar(a_g, a_p, m.c, m.delta, m.kappa, lam, m.cap)

    def advance(self) -> None:
        self.genuine_hours, self.performative_hours = self._next


def best_response_scalar(
    a_g: float, a_p: float, c: float, delta: float, kappa: float, lam: float, cap: float
) -> tuple[float, float]:
    """One employee's exact best response within the hours cap, the engine's problem: the best
    feasible point of the face optima (interior, each edge, the cap line) and the vertices."""
    h11, h12, h22 = c + lam, delta * c, c + 2 * kappa + lam
    det = h11 * h22 - h12 * h12
    g_in = (h22 * a_g - h12 * a_p) / det
    p_in = (h11 * a_p - h12 * a_g) / det
    if g_in > 0 and p_in > 0 and g_in + p_in <= cap:
        return g_in, p_in
    # on the cap line (cap - t, t): the maximiser in t
    t = ((a_p - h12 * cap) - (a_g - h11 * cap)) / (h11 - 2 * h12 + h22)
    points = [(g_in, p_in), (0.0, a_p / h22), (a_g / h11, 0.0), (cap - t, t), (0.0, 0.0), (cap, 0.0), (0.0, cap)]
    best, best_value = (0.0, 0.0), 0.0
    for g, p in points:
        if g >= -1e-9 and p >= -1e-9 and g + p <= cap + 1e-9:
            g, p = min(max(g, 0.0), cap), min(max(p, 0.0), cap)
            value = a_g * g + a_p * p - 0.5 * h11 * g * g - 0.5 * h22 * p * p - h12 * g * p
            if value > best_value:
                best, best_value = (g, p), value
    return best


class ReferenceModel(mesa.Model):
    def __init__(self, source: OrganisationModel):
        super().__init__(rng=source.config.seed)
        behavior, policy = source.config.behavior, source.policy
        if policy.kpi.scheme != "linear" or behavior.rule != "best_response" or behavior.noise > 0:
            raise ValueError("the reference loop covers the linear scheme and noiseless best response")
        self.c, self.delta, self.kappa = behavior.effort_cost, behavior.substitutability, behavior.conformity
        self.cap, self.adjustment = behavior.max_ai_hours_per_week, source.adjustment_cost
        base = source.decision_problem(frictions=False)  # linear reward included; week 0: no peers seen
        self.reward_per_genuine_hour = self.reward_per_performative_hour = 0.0
        state = source.state
        people = [
            ReferenceEmployee(
                self,
                float(base.a_genuine[i]),
                float(base.a_performative[i]),
                float(state.genuine_hours[i]),
                float(state.performative_hours[i]),
            )
            for i in range(state.size)
        ]
        adjacency = source.network.adjacency
        for i, person in enumerate(people):
            person.colleagues = [people[j] for j in adjacency.indices[adjacency.indptr[i] : adjacency.indptr[i + 1]]]
        self.people = people
        self.totals: list[tuple[float, float]] = []

    def step(self) -> None:
        self.agents.shuffle_do("decide")
        self.agents.do("advance")
        self.totals.append(
            (sum(a.genuine_hours for a in self.people), sum(a.performative_hours for a in self.people))
        )
