"""The brief's charts, drawn offline with matplotlib into SVG (text as outlines, so the PDF needs
no font of the machine): coverage by kecamatan before and after a plan, and compared plans side
by side."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib.figure import Figure  # noqa: E402

_BEFORE, _AFTER = "#b8c4d6", "#1f5fa8"


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "desaplan"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return buffer.getvalue()


def coverage_chart(rows: list[tuple[str, float, float]], before: str, after: str, axis: str = "%") -> str:
    """Horizontal bars per kecamatan: coverage before and after (shares 0..1), widest first."""
    rows = sorted(rows, key=lambda r: r[2])
    height = max(2.2, 0.22 * len(rows) + 0.8)
    figure, ax = plt.subplots(figsize=(7.0, height))
    names = [r[0] for r in rows]
    positions = range(len(rows))
    ax.barh([p + 0.2 for p in positions], [r[1] * 100 for r in rows], height=0.4, color=_BEFORE, label=before)
    ax.barh([p - 0.2 for p in positions], [r[2] * 100 for r in rows], height=0.4, color=_AFTER, label=after)
    ax.set_yticks(list(positions), names, fontsize=7)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel(axis, fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    return _svg(figure)


def plans_chart(
    labels: list[str], new: list[float], spend_billion: list[float], new_label: str, spend_label: str
) -> str:
    """Compared plans side by side: new enrolments (bars) and spend in billions (bars, right axis)."""
    figure, ax = plt.subplots(figsize=(7.0, 2.6))
    positions = list(range(len(labels)))
    ax.bar([p - 0.2 for p in positions], new, width=0.4, color=_AFTER, label=new_label)
    ax.set_ylabel(new_label, fontsize=7)
    other = ax.twinx()
    other.bar([p + 0.2 for p in positions], spend_billion, width=0.4, color=_BEFORE, label=spend_label)
    other.set_ylabel(spend_label, fontsize=7)
    ax.set_xticks(positions, labels, fontsize=7)
    for axes in (ax, other):
        axes.tick_params(axis="y", labelsize=7)
        axes.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + other.get_legend_handles_labels()[0]
    ax.legend(handles, [new_label, spend_label], fontsize=7, loc="upper left", frameon=False)
    return _svg(figure)
