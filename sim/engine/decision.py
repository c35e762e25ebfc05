"""Best responses for the whole workforce at once.

Each employee maximises, over genuine hours g and performative hours p,

    f(g, p) = a_g g + a_p p - (c + lam)/2 g^2 - (c/2 + kappa + lam/2) p^2 - delta c g p
              + h * 1[b_g g + b_p p >= T]                  (optional step reward)

(lam: the adjustment cost of changing hours from last week, whose pull lam * last week's hours is
already in a_g and a_p; utility is in hours of the employee's own time),

subject to g >= 0, p >= 0, g + p <= H (and p = 0 where performing is ruled out).
The quadratic part is concave, so its maximum over the polygon lies at the optimum of one of its
faces (interior, an edge, a vertex); with the step reward the maximum also may lie on the line
b.x = T or where that line meets an edge. We evaluate f at every such candidate, keep the
feasible ones and take the best: exact, and a handful of array operations per candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEASIBILITY_TOLERANCE_HOURS = 1e-9


def select(mask: np.ndarray, if_true: np.ndarray | float, if_false: np.ndarray | float) -> np.ndarray:
    """`np.where` for finite values, as exact arithmetic (x*1 + y*0): several times faster than
    `np.where` on masks without a pattern, which defeat branch prediction."""
    on = mask.astype(np.float64)
    return if_true * on + if_false * (1.0 - on)


@dataclass(frozen=True)
class Step:
    """A lump-sum reward `height` for reaching `threshold` on the KPI b_g g + b_p p."""

    height: np.ndarray | float
    per_genuine_hour: np.ndarray | float
    per_performative_hour: np.ndarray | float
    threshold: np.ndarray | float

    def reached(self, g: np.ndarray, p: np.ndarray) -> np.ndarray:
        kpi = self.per_genuine_hour * g + self.per_performative_hour * p
        return kpi >= self.threshold * (1 - 1e-9) - 1e-12


@dataclass(frozen=True)
class Problem:
    """The linear and quadratic terms of every employee's weekly objective."""

    a_genuine: np.ndarray  # utility per genuine hour (linear term)
    a_performative: np.ndarray  # utility per performative hour, conformity pull included
    effort_cost: np.ndarray | float  # c (one number, or one per employee when organisations differ)
    substitutability: np.ndarray | float  # delta
    conformity: np.ndarray | float  # kappa
    hours_cap: np.ndarray | float  # H
    step: Step | None = None
    adjustment: np.ndarray | float = 0.0  # lam, cost lam/2 per squared hour of change from last week

    @property
    def hessian(self) -> tuple[float, float, float]:
        """(h_gg, h_gp, h_pp) of the concave quadratic part: f = a.x - x'Hx/2."""
        c, lam = self.effort_cost, self.adjustment
        return c + lam, self.substitutability * c, c + 2 * self.conformity + lam

    def quadratic_value(self, g: np.ndarray, p: np.ndarray) -> np.ndarray:
        h11, h12, h22 = self.hessian
        return self.a_genuine * g + self.a_performative * p - 0.5 * h11 * g * g - 0.5 * h22 * p * p - h12 * g * p

    def subset(self, rows: np.ndarray) -> Problem:
        """The same problem for a subset of employees."""

        def pick(x):
            return x[rows] if isinstance(x, np.ndarray) and x.ndim else x

        step = None
        if self.step is not None:
            s = self.step
            step = Step(pick(s.height), pick(s.per_genuine_hour), pick(s.per_performative_hour), pick(s.threshold))
        return Problem(
            self.a_genuine[rows], self.a_performative[rows], pick(self.effort_cost), pick(self.substitutability),
            pick(self.conformity), pick(self.hours_cap), step, pick(self.adjustment),
        )

    def value(self, g: np.ndarray, p: np.ndarray) -> np.ndarray:
        total = self.quadratic_value(g, p)
        if self.step is not None:
            total = total + np.where(self.step.reached(g, p), self.step.height, 0.0)
        return total


def best_response(problem: Problem, may_perform: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return the optimal (g, p) per employee; `may_perform` False forces p = 0."""
    if problem.step is not None:
        return best_response_by_candidates(problem, may_perform)
    g, p = _best_without_step(problem)
    if may_perform is not None:
        g = np.where(may_perform, g, np.clip(problem.a_genuine / problem.hessian[0], 0.0, problem.hours_cap))
        p = np.where(may_perform, p, 0.0)
    return g, p


def _best_without_step(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Closed form: the interior optimum if it is positive, else the edge that satisfies the
    Karush-Kuhn-Tucker conditions (strict concavity makes it unique). The rare employees whose
    answer breaks the hours cap are solved by the candidate method."""
    h11, h12, h22 = problem.hessian
    a_g, a_p = problem.a_genuine, problem.a_performative
    det = h11 * h22 - h12 * h12
    g_in = (h22 / det) * a_g - (h12 / det) * a_p
    p_in = (h11 / det) * a_p - (h12 / det) * a_g
    g_edge = np.maximum(a_g * (1 / h11), 0.0)  # best g with p = 0
    p_edge = np.maximum(a_p * (1 / h22), 0.0)  # best p with g = 0
    interior = (g_in > 0) & (p_in > 0)
    on_p_zero = a_p <= h12 * g_edge  # d f / d p <= 0 at (g_edge, 0)
    g = select(interior, g_in, g_edge * on_p_zero)
    p = select(interior, p_in, p_edge * ~on_p_zero)
    over = np.flatnonzero(g + p > problem.hours_cap)
    if over.size:
        g_cap, p_cap = best_response_by_candidates(problem.subset(over))
        g[over], p[over] = g_cap, p_cap
    return g, p


def best_response_by_candidates(
    problem: Problem, may_perform: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The general method: evaluate every face optimum and vertex, keep the best feasible one."""
    g_all, p_all = _candidates(problem)  # (candidates, employees)
    n = problem.a_genuine.shape[0]
    tol = FEASIBILITY_TOLERANCE_HOURS
    with np.errstate(invalid="ignore"):  # candidates at infinity are infeasible, not errors
        feasible = (
            np.isfinite(g_all)
            & np.isfinite(p_all)
            & (g_all >= -tol)
            & (p_all >= -tol)
            & (g_all + p_all <= problem.hours_cap + tol)
        )
    if may_perform is not None:
        feasible &= (p_all <= tol) | may_perform[None, :]
    g_all, p_all = _clipped(g_all, problem.hours_cap), _clipped(p_all, problem.hours_cap)
    values = np.where(feasible, problem.value(g_all, p_all), -np.inf)
    best = np.argmax(values, axis=0)
    cols = np.arange(n)
    return g_all[best, cols], p_all[best, cols]


def _clipped(hours: np.ndarray, cap: np.ndarray | float) -> np.ndarray:
    """`np.clip(np.nan_to_num(hours), 0, cap)` (NaN to 0, infinities to the bounds), in place."""
    np.clip(hours, 0.0, cap, out=hours)
    hours[np.isnan(hours)] = 0.0
    return hours


def _candidates(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Stack of candidate points, shape (candidates, employees)."""
    cap = problem.hours_cap
    a_g, a_p = problem.a_genuine, problem.a_performative
    h11, h12, h22 = problem.hessian
    points: list[tuple[np.ndarray | float, np.ndarray | float]] = []  # each (g, p): per employee or one for all
    with np.errstate(divide="ignore", invalid="ignore"):
        det = h11 * h22 - h12 * h12
        points.append(((h22 * a_g - h12 * a_p) / det, (h11 * a_p - h12 * a_g) / det))  # interior
        points.append((0.0, a_p / h22))  # edge g = 0
        points.append((a_g / h11, 0.0))  # edge p = 0
        points.append(_on_line(problem, (cap, 0.0), (-1.0, 1.0)))  # edge g + p = H
        points += [(0.0, 0.0), (cap, 0.0), (0.0, cap)]  # vertices
        step = problem.step
        if step is not None:
            # NumPy values (zero-d or per employee), so a division by zero is inf, not an error
            b_g, b_p, t = (np.asarray(x, dtype=float) for x in (step.per_genuine_hour, step.per_performative_hour, step.threshold))
            norm2 = b_g * b_g + b_p * b_p
            points.append(_on_line(problem, (t * b_g / norm2, t * b_p / norm2), (b_p, -b_g)))  # on b.x = T
            points.append((0.0, t / b_p))  # meets g = 0
            points.append((t / b_g, 0.0))  # meets p = 0
            g_cross = (t - b_p * cap) / (b_g - b_p)
            points.append((g_cross, cap - g_cross))  # meets g + p = H
    g, p = np.empty((len(points), a_g.shape[0])), np.empty((len(points), a_g.shape[0]))
    for row, (g_point, p_point) in enumerate(points):  # assignment broadcasts one number to a row
        g[row], p[row] = g_point, p_point
    return g, p


def _on_line(problem: Problem, origin: tuple, direction: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Maximiser of the quadratic part on the line origin + t * direction."""
    h11, h12, h22 = problem.hessian
    g0, p0 = origin
    dg, dp = direction
    grad_g = problem.a_genuine - h11 * g0 - h12 * p0
    grad_p = problem.a_performative - h12 * g0 - h22 * p0
    curvature = h11 * dg * dg + 2 * h12 * dg * dp + h22 * dp * dp
    t = (dg * grad_g + dp * grad_p) / curvature
    return g0 + t * dg, p0 + t * dp
