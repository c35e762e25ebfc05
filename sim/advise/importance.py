"""Which levers matter: extra-trees feature scoring over the evaluated policies (the method of EMA
Workbench's `feature_scoring`: a forest of randomised trees predicts an outcome from the levers; a
lever's score is its share of the forest's impurity decrease, so the scores of one outcome add up to 1).

The evaluated policies are those the search chose to try, denser near the Pareto front than a
uniform sample: the scores say what moves the outcomes among the policies worth considering.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.advise.levers import OBJECTIVES, LoadedLevers

TREES = 100
"""Trees in the forest (EMA Workbench's default)."""
SEED = 0
"""The forest's seed: the same candidates give the same scores."""
MIN_CANDIDATES = 4


def encode(table: pd.DataFrame, levers: LoadedLevers) -> pd.DataFrame:
    """Levers as numbers: a range as it is, choices by their position in the levers file (a tree
    splits on positions, so the order of choices does not bias it much)."""
    out = {}
    for path, lever in levers.spec.levers.items():
        if lever.choices is None:
            out[path] = table[path].astype(float)
        else:
            codes = {repr(c): i for i, c in enumerate(lever.choices)}
            out[path] = table[path].map(lambda v, codes=codes: codes.get(repr(_plain(v)), -1)).astype(float)
    return pd.DataFrame(out)


def _plain(value: object) -> object:
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def lever_importance(table: pd.DataFrame, levers: LoadedLevers) -> pd.DataFrame:
    """Rows (lever, objective, score): each objective's scores over the levers, summing to 1 (empty
    when fewer than MIN_CANDIDATES policies were evaluated, or an objective did not vary)."""
    from sklearn.ensemble import ExtraTreesRegressor

    if len(table) < MIN_CANDIDATES:
        return pd.DataFrame(columns=["lever", "objective", "score"])
    x = encode(table, levers)
    rows = []
    for objective in [*levers.spec.objectives, *(["regret"] if "regret" in table else [])]:
        y = table[objective].to_numpy(dtype=float)
        if not np.isfinite(y).all() or np.ptp(y) == 0 or x.shape[1] == 0:
            continue
        forest = ExtraTreesRegressor(n_estimators=TREES, random_state=SEED, min_samples_leaf=2)
        forest.fit(x.to_numpy(), y)
        scores = forest.feature_importances_
        for lever, score in zip(x.columns, scores, strict=True):
            rows.append({"lever": lever, "objective": objective, "score": float(score)})
    return pd.DataFrame(rows, columns=["lever", "objective", "score"])


def objective_label(name: str) -> str:
    return "regret (90th percentile)" if name == "regret" else OBJECTIVES[name][0]
