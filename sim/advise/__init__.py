"""Policy advice (`tokenmaxx advise`): search the levers a manager controls over plausible worlds with
a multi-objective optimiser, recommend a policy by a stated rule and check it in fresh worlds.

`advise(scenario, levers, out=...)` (:mod:`sim.advise.run`) is the entry point; nothing heavy is
imported until it is called.
"""

from __future__ import annotations

from typing import Any

__all__ = ["advise"]


def advise(*args: Any, **kwargs: Any) -> Any:
    """See :func:`sim.advise.run.advise`."""
    from sim.advise.run import advise as run

    return run(*args, **kwargs)
