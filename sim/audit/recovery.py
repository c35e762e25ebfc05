"""The audit's recovery study: over synthetic organisations whose hidden shares are known, do the
90% intervals cover the truth at about their nominal rate, and do the point estimates track it?

Organisations are drawn from the same prior the audit uses, simulated on batched engines; each in
turn is held out as the "observed" organisation and inferred from all the others (leave one out),
exactly as :func:`sim.audit.run.audit` infers a real export from its reference table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.audit.infer import Prior, abc_posterior, reference_table
from sim.scenario.schema import Scenario

STUDIED = ("performative_token_share", "performative_hour_share", "gaming_user_share")
"""The hidden shares whose recovery is measured."""


@dataclass(frozen=True)
class Recovery:
    """Per held-out organisation: truth, median and interval of each studied share."""

    rows: pd.DataFrame

    def coverage(self, name: str) -> float:
        """Share of organisations whose 90% interval holds the true value."""
        r = self.rows
        return float(np.mean((r[f"{name}_low"] <= r[f"{name}_true"] + 1e-12) & (r[f"{name}_true"] <= r[f"{name}_high"] + 1e-12)))

    def correlation(self, name: str) -> float:
        """Correlation of the point estimates (medians) with the truth."""
        r = self.rows
        return float(np.corrcoef(r[f"{name}_median"], r[f"{name}_true"])[0, 1])


def recovery_study(policy: Scenario, users: int, weeks: int, simulations: int, held_out: int, seed: int,
                   accept_share: float = 0.1, prior: Prior | None = None) -> Recovery:
    """Simulate `simulations` organisations, infer the first `held_out` of them from the rest."""
    table = reference_table(policy, users, weeks, simulations, seed, prior)
    rows = []
    for i in range(min(held_out, simulations)):
        observed = {name: float(table.statistics[name].iloc[i]) for name in table.statistics.columns}
        posterior = abc_posterior(observed, table, accept_share, exclude=i)
        row = {}
        for name in STUDIED:
            median, low, high = posterior.interval(name)
            row.update({f"{name}_true": float(table.truth[name].iloc[i]), f"{name}_median": median,
                        f"{name}_low": low, f"{name}_high": high})
        rows.append(row)
    return Recovery(pd.DataFrame(rows))
