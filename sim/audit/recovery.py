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


VALIDATE_STUDY = {"users": 60, "weeks": 8, "simulations": 1000, "held_out": 200, "seed": 29}
"""The recovery study `tokenmaxx validate` runs (about 6 s on one core)."""
COVERAGE_TOLERANCE = 0.07
"""How far the 90% intervals' coverage may stray from 0.9 over 200 organisations (the binomial sd
is 0.021: about three of them, plus the slight over-coverage of rejection ABC's wide kernel)."""
MIN_CORRELATION = 0.8
"""Point estimates must track the truth at least this closely."""


def recovery_check() -> "CheckGroup":  # noqa: F821 (sim.validation.base, imported when run)
    """The `audit_recovery` validation group: coverage of the 90% intervals and correlation of the
    medians with the truth, for each hidden share, on the default policy."""
    from sim.audit.infer import CALIBRATION_DIR
    from sim.scenario.io import load_scenario
    from sim.validation.base import Check, CheckGroup

    study = recovery_study(load_scenario(CALIBRATION_DIR.parent / "default.yaml"), **VALIDATE_STUDY)
    checks = []
    for name in STUDIED:
        checks.append(Check(f"audit_coverage_{name}", f"90% intervals of the audit hold the true {name.replace('_', ' ')} "
                            f"of held-out synthetic organisations (not below nominal: too narrow would accuse; above "
                            f"it the intervals are wider than they need be, shown)", 0.9 - COVERAGE_TOLERANCE,
                            study.coverage(name), 0.0, "at_least", unit="share"))
        checks.append(Check(f"audit_tracking_{name}", f"audit medians correlate with the true {name.replace('_', ' ')}",
                            MIN_CORRELATION, study.correlation(name), 0.0, "at_least"))
    return CheckGroup(
        "audit_recovery",
        "tokenmaxx audit recovers known performative shares",
        f"leave one out over {VALIDATE_STUDY['simulations']:,} synthetic organisations of the default policy "
        f"({VALIDATE_STUDY['users']} users x {VALIDATE_STUDY['weeks']} weeks), {VALIDATE_STUDY['held_out']} held out "
        "(sim/audit/recovery.py)",
        checks,
        {"rows": study.rows.to_dict("list")},
    )
