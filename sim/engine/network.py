"""The colleague network: teams with all-to-all ties plus random cross-team ties.

Team ties are never stored: a team member's colleagues' sum is the team's sum minus their own
value (one `bincount`). Only the cross-team ties are held, as a sparse CSR matrix. A complete
network is computed analytically the same way. Every operation is a few array operations for
the whole workforce.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ColleagueNetwork:
    """Who counts as a colleague of whom (undirected, no self-ties)."""

    team: np.ndarray  # team index per employee (complete network: everyone in team 0)
    cross: sp.csr_array  # cross-team ties (symmetric, 0/1)

    @property
    def size(self) -> int:
        return self.team.shape[0]

    @cached_property
    def team_sizes(self) -> np.ndarray:
        return np.bincount(self.team)

    @cached_property
    def _team_start(self) -> np.ndarray:
        """Index of each team's first member (teams are contiguous blocks)."""
        return np.concatenate([[0], np.cumsum(self.team_sizes)[:-1]])

    @cached_property
    def degree(self) -> np.ndarray:
        return self.team_sizes[self.team] - 1 + np.diff(self.cross.indptr)

    def neighbour_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of each employee's colleagues' values."""
        team_sum = np.bincount(self.team, weights=values, minlength=len(self.team_sizes))
        total = team_sum[self.team] - values
        if self.cross.nnz:
            total += self.cross @ values
        return total

    def neighbour_mean(self, values: np.ndarray) -> np.ndarray:
        """Mean of each employee's colleagues' values (0 for an employee with no colleagues)."""
        degree = self.degree
        return np.divide(self.neighbour_sum(values), degree, out=np.zeros(self.size), where=degree > 0)

    def random_colleague(self, uniform: np.ndarray | np.random.Generator) -> np.ndarray:
        """One uniformly random colleague per employee (self where there is none), from one uniform
        draw per employee (or a generator to draw them from)."""
        n = self.size
        if isinstance(uniform, np.random.Generator):
            uniform = uniform.random(n)
        in_team = self.team_sizes[self.team] - 1
        pick = np.floor(uniform * self.degree).astype(np.int64)
        # a pick below in_team is a team-mate: skip over oneself within the team block
        own = np.arange(n) - self._team_start[self.team]
        mate = self._team_start[self.team] + pick + (pick >= own)
        cross_slot = self.cross.indptr[:-1] + np.maximum(pick - in_team, 0)
        if self.cross.nnz:
            other = self.cross.indices[np.minimum(cross_slot, self.cross.nnz - 1)]
        else:
            other = np.arange(n)
        chosen = np.where(pick < in_team, mate, other)
        return np.where(self.degree > 0, chosen, np.arange(n))

    @cached_property
    def adjacency(self) -> sp.csr_array:
        """The full adjacency matrix (team and cross ties); for small networks and drawing."""
        same_team = self.team[:, None] == self.team[None, :] if self.size <= 20_000 else None
        if same_team is None:
            raise MemoryError("adjacency is materialised only for networks up to 20,000 employees")
        np.fill_diagonal(same_team, False)
        return (sp.csr_array(same_team.astype(float)) + self.cross).tocsr()

    def to_networkx(self):
        """A networkx graph of the network, for drawing small organisations."""
        import networkx as nx

        graph = nx.from_scipy_sparse_array(self.adjacency)
        nx.set_node_attributes(graph, {i: int(t) for i, t in enumerate(self.team)}, "team")
        return graph


def build_network(
    employees: int, team_size: int, cross_team_ties: float, kind: str, rng: np.random.Generator
) -> ColleagueNetwork:
    """Teams of `team_size` (the last may be smaller), complete inside, plus random ties;
    `complete`: one team holding everyone."""
    if kind == "complete":
        return ColleagueNetwork(np.zeros(employees, dtype=np.int64), sp.csr_array((employees, employees)))
    team = np.arange(employees) // team_size
    # n * ties / 2 random undirected pairs; self-pairs and in-team pairs are dropped
    pairs = rng.poisson(employees * cross_team_ties / 2)
    a = rng.integers(0, employees, pairs)
    b = rng.integers(0, employees, pairs)
    keep = team[a] != team[b]
    a, b = a[keep], b[keep]
    # both directions of every tie, each once (a tie drawn twice counts once), in row-major order:
    # the canonical CSR matrix (sorted indices, no duplicates) without SciPy's COO conversion
    ties = np.sort(np.concatenate([a * employees + b, b * employees + a]))
    ties = ties[np.concatenate([[True], ties[1:] != ties[:-1]])] if ties.size else ties  # np.unique, 10x faster
    rows, cols = np.divmod(ties, employees)
    indptr = np.zeros(employees + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=employees), out=indptr[1:])
    cross = sp.csr_array((np.ones(len(ties)), cols, indptr), shape=(employees, employees))
    return ColleagueNetwork(team, cross)
