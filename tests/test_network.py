"""The colleague network: symmetric, no self-ties, teams complete inside."""

from __future__ import annotations

import numpy as np

from sim.engine.network import build_network


def test_team_network_structure():
    net = build_network(95, 10, 2.0, "teams", np.random.default_rng(0))
    adj = net.adjacency.toarray()
    assert (adj == adj.T).all() and adj.diagonal().sum() == 0
    same_team = net.team[:, None] == net.team[None, :]
    np.fill_diagonal(same_team, False)
    assert (adj[same_team] == 1).all()  # everyone in a team is connected
    cross = adj[~same_team].sum() / 95  # ties per employee outside the team
    assert 1.0 < cross < 3.0
    assert net.team.max() == 9 and (net.team == 9).sum() == 5  # last team is smaller


def test_neighbour_mean_and_random_colleague():
    rng = np.random.default_rng(1)
    net = build_network(30, 5, 1.0, "teams", rng)
    values = rng.random(30)
    adj = net.adjacency.toarray()
    np.testing.assert_allclose(net.neighbour_mean(values), adj @ values / adj.sum(1))
    picks = net.random_colleague(rng)
    assert all(adj[i, j] == 1 for i, j in enumerate(picks))


def test_complete_network_is_analytic():
    net = build_network(6, 3, 0.0, "complete", np.random.default_rng(0))
    values = np.arange(6.0)
    np.testing.assert_allclose(net.neighbour_mean(values), (values.sum() - values) / 5)
    picks = net.random_colleague(np.random.default_rng(2))
    assert (picks != np.arange(6)).all()
    assert net.to_networkx().number_of_edges() == 15
