"""A throwaway Solara app for the browser-test harness (tests/test_explorer_harness.py).

Markdown, a button, a count and a matplotlib figure that gains a point per click: enough to
check that the page renders from local assets only, that a click reaches the server, and that
a redrawn figure reaches the page. Drawn with matplotlib.figure.Figure, not pyplot, which is
not safe in the server's threads.
"""

from __future__ import annotations

import solara
from matplotlib.figure import Figure

clicks = solara.reactive(0)


def figure(points: int) -> Figure:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    xs = range(points)
    ax.plot(xs, [x * x for x in xs], marker="o")
    ax.set_title(f"{points} points")
    return fig


@solara.component
def Page():
    solara.Title("Explorer harness smoke app")
    with solara.Column():
        solara.Markdown("A **smoke** app: markdown loads KaTeX, answered by a stand-in.")
        solara.Button("Add a point", on_click=lambda: clicks.set(clicks.value + 1))
        solara.Text(f"clicks: {clicks.value}", classes=["smoke-clicks"])
        with solara.Div(classes=["smoke-figure"]):
            solara.FigureMatplotlib(figure(clicks.value + 2), dependencies=[clicks.value])
