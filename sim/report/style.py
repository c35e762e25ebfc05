"""The house style of every figure, applied without touching matplotlib's global state.

Figures are built on :class:`matplotlib.figure.Figure` (no pyplot, no GUI backend). The style is
an rc context around each chart function (:func:`styled`) and around saving (:func:`save_figure`),
so importing a chart module changes nothing in a notebook that imports it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib
from matplotlib.figure import Figure

STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "svg.fonttype": "none",
         "text.parse_math": False}  # labels carry user text (scenario names, "$"): never maths

F = TypeVar("F", bound=Callable[..., Any])


def styled(function: F) -> F:
    """Run a chart function in the house style."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], layout: str | None = None,
             **kwargs: Any) -> tuple[Figure, Any]:
    """A new figure and its axes, as `pyplot.subplots` gives them, without pyplot."""
    figure = Figure(figsize=figsize, layout=layout)
    return figure, figure.subplots(nrows, ncols, **kwargs)


def save_figure(figure: Figure, target: Any, **kwargs: Any) -> None:
    """`figure.savefig` in the house style (SVG text stays text)."""
    with matplotlib.rc_context(STYLE):
        figure.savefig(target, **kwargs)
