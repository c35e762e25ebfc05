"""The colleague network: teams with all-to-all ties plus random cross-team ties.

Held as a CSR adjacency (``indptr``, ``indices``) so that peer averages and random colleague
picks are single array operations for the whole workforce. A complete network is computed
analytically instead of being stored (N^2 ties).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ColleagueNetwork:
    """Who counts as a colleague of whom (undirected, no self-ties)."""

    size: int
    team: np.ndarray  # team index per employee
    adjacency: sp.csr_array | None  # None means complete network

    @property
    def degree(self) -> np.ndarray:
        if self.adjacency is None:
            return np.full(self.size, self.size - 1, dtype=np.int64)
        return np.diff(self.adjacency.indptr)

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of each employee's colleagues' values."""
        if self.adjacency is None:
            return values.sum() - values
        return self.adjacency @ values

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of each employee's colleagues' values (0 for an employee with no colleagues)."""
        degree = self.degree
        return np.divide(self.neighbour_sum(values), degree, out=np.zeros(self.size), where=degree > 0)

    def random_colleague(self, rng: np.random.Generator) -> np.ndarray:
        """One uniformly random colleague per employee (self where there is none)."""
        n = self.size
        if self.adjacency is None:
            if n == 1:
                return np.zeros(1, dtype=np.int64)
            return (np.arange(n) + rng.integers(1, n, size=n)) % n
        indptr, indices = self.adjacency.indptr, self.adjacency.indices
        degree = np.diff(indptr)
        offset = np.floor(rng.random(n) * degree).astype(np.int64)
        picked = indices[np.minimum(indptr[:-1] + offset, max(len(indices) - 1, 0))] if len(indices) else np.arange(n)
        return np.where(degree > 0, picked, np.arange(n))

    def to_networkx(self):
        """A networkx graph of the network, for drawing small organisations."""
        import networkx as nx

        if self.adjacency is None:
            graph = nx.complete_graph(self.size)
        else:
            graph = nx.from_scipy_sparse_array(self.adjacency)
        nx.set_node_attributes(graph, {i: int(t) for i, t in enumerate(self.team)}, "team")
        return graph


def build_network(
    employees: int, team_size: int, cross_team_ties: float, kind: str, rng: np.random.Generator
) -> ColleagueNetwork:
    """Teams of `team_size` (the last may be smaller), complete inside, plus random ties."""
    team = np.arange(employees) // team_size
    if kind == "complete":
        return ColleagueNetwork(employees, team, None)
    # within-team ties: every ordered pair in the same team
    starts = team * team_size
    sizes = np.minimum(team_size, employees - starts)
    rows = np.repeat(np.arange(employees), sizes)
    cols = np.repeat(starts, sizes) + _ranges(sizes)
    keep = rows != cols
    rows, cols = rows[keep], cols[keep]
    # cross-team ties: n * ties / 2 random undirected pairs (self-pairs and in-team pairs are dropped)
    pairs = rng.poisson(employees * cross_team_ties / 2)
    a = rng.integers(0, employees, pairs)
    b = rng.integers(0, employees, pairs)
    cross = team[a] != team[b]
    rows = np.concatenate([rows, a[cross], b[cross]])
    cols = np.concatenate([cols, b[cross], a[cross]])
    adjacency = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(employees, employees))
    adjacency.sum_duplicates()
    adjacency.data[:] = 1.0  # duplicate random ties count once
    return ColleagueNetwork(employees, team, adjacency)


def _ranges(sizes: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s) for each s in sizes."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1]) - np.repeat(ends - sizes, sizes)
