"""The note's charts as PNG images, drawn with matplotlib's Agg canvas.

No pyplot: its global state is shared between threads, and requests run in a thread pool; a
`Figure` of its own per chart is safe. Only what the caller's dashboard shows is drawn: a
suppressed count has no value and is left out of its bar (the table beside it says so).
"""

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# Colour-blind-safe (Okabe-Ito), in order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
Series = dict[str, list[int]]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # the raster canvas, set on the figure: no GUI, no pyplot
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def stacked(title: str, columns: list[str], series: Series) -> bytes:
    """One bar per column (quarter), one segment per series, the legend beside it."""
    figure = Figure(figsize=(6.5, 3.4))
    axes = figure.subplots()
    bottom = [0] * len(columns)
    for i, (name, counts) in enumerate(series.items()):
        axes.bar(columns, counts, bottom=bottom, label=name, color=_colour(i))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_title(title)
    if series:
        axes.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, frameon=False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def grouped(title: str, columns: list[str], series: Series) -> bytes:
    """Bars side by side per column (quarter), one per series."""
    figure = Figure(figsize=(6.5, 3.0))
    axes = figure.subplots()
    width = 0.8 / max(len(series), 1)
    for i, (name, counts) in enumerate(series.items()):
        positions = [x + (i - (len(series) - 1) / 2) * width for x in range(len(columns))]
        axes.bar(positions, counts, width=width, label=name, color=_colour(i))
    axes.set_xticks(range(len(columns)), columns)
    axes.set_title(title)
    axes.legend(fontsize=8, frameon=False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def shares(title: str, labels: list[str], percentages: list[float]) -> bytes:
    """Horizontal bars from 0 to 100 %."""
    figure = Figure(figsize=(6.5, 0.6 + 0.3 * max(len(labels), 1)))
    axes = figure.subplots()
    axes.barh(labels, percentages, color=_colour(0))
    axes.set_xlim(0, 100)
    axes.invert_yaxis()
    axes.set_title(title)
    return _png(figure)
