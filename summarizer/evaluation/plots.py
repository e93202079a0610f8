"""The eval report's pictures, as inline SVG drawn by matplotlib (Agg: no display, no
network when the page is opened).

Each function returns an `<svg ...>` string to paste into HTML. Figures are built with
`matplotlib.figure.Figure`, not pyplot, so nothing global is touched and nothing is kept
alive between calls.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from summarizer.parts import list_parts

__all__ = ["LIST_FIELDS", "delta_bars", "f1_bars", "heat_color", "latency_histogram"]

LIST_FIELDS = tuple(p.field for p in list_parts())
_BLUE, _GREEN, _RED, _GREY = "#3b6fb6", "#2e8b57", "#c0392b", "#9aa5b1"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.patch.set_alpha(0)
    return fig


def _svg(fig: Any, title: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "font.size": 10}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: it is inline
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{title}" class="plot" ', 1)


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)


def f1_bars(metrics: dict[str, Any]) -> str:
    """Precision, recall and F1 per list field, as grouped horizontal bars."""
    fields = [f for f in LIST_FIELDS if metrics.get(f"{f}.f1") is not None]
    if not fields:
        return ""
    fig = _figure(6.0, 0.55 * len(fields) * 1.6 + 0.6)
    ax = fig.add_subplot()
    height = 0.26
    for k, (name, color) in enumerate((("precision", _GREY), ("recall", _BLUE),
                                       ("f1", _GREEN))):
        values = [float(metrics.get(f"{f}.{name}") or 0.0) for f in fields]
        positions = [i + (1 - k) * height for i in range(len(fields))]
        bars = ax.barh(positions, values, height=height, color=color,
                       label="F1" if name == "f1" else name)
        if name == "f1":
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], padding=3, fontsize=9)
    ax.set_yticks(range(len(fields)), [f.replace("_", " ") for f in fields])
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.set_xlabel("score")
    ax.legend(loc="lower right", frameon=False, fontsize=8, ncols=3,
              bbox_to_anchor=(1.0, 1.0))
    _style(ax)
    return _svg(fig, "precision, recall and F1 per field")


def latency_histogram(latencies: Sequence[float | None]) -> str:
    """Seconds per article (cached articles included: what the user waited)."""
    values = [float(v) for v in latencies if v is not None]
    if not values:
        return ""
    fig = _figure(6.0, 2.4)
    ax = fig.add_subplot()
    ax.hist(values, bins=min(20, max(5, len(values))), color=_BLUE, edgecolor="white")
    ax.set_xlabel("seconds per article")
    ax.set_ylabel("articles")
    mean = sum(values) / len(values)
    ax.axvline(mean, color=_RED, linestyle="--", linewidth=1)
    ax.text(mean, ax.get_ylim()[1] * 0.95, f" mean {mean:.2f} s", color=_RED, fontsize=9,
            va="top")
    _style(ax)
    return _svg(fig, "latency per article")


def delta_bars(deltas: dict[str, float | None], labels: tuple[str, str]) -> str:
    """F1 change per field, B - A: green where B is better, red where worse."""
    items = [(f, d) for f, d in deltas.items() if d is not None]
    if not items:
        return ""
    fig = _figure(6.0, 0.45 * len(items) + 0.9)
    ax = fig.add_subplot()
    values = [d for _, d in items]
    colors = [_GREEN if d > 0 else _RED if d < 0 else _GREY for d in values]
    bars = ax.barh(range(len(items)), values, color=colors)
    ax.bar_label(bars, labels=[f"{d:+.3f}" for d in values], padding=3, fontsize=9)
    ax.set_yticks(range(len(items)), [f.replace("_", " ") for f, _ in items])
    ax.invert_yaxis()
    ax.axvline(0, color="#444", linewidth=0.8)
    span = max(0.05, max(abs(v) for v in values)) * 1.35
    ax.set_xlim(-span, span)
    ax.set_xlabel(f"F1 change, {labels[1]} minus {labels[0]}")
    _style(ax)
    return _svg(fig, "F1 change per field")


def heat_color(value: float | None) -> str:
    """A background from red (0) through yellow to green (1); grey when not measured."""
    if value is None:
        return "#eeeeee"
    v = max(0.0, min(1.0, float(value)))
    # Two linear ramps in RGB: red -> amber -> green, light enough for dark text.
    if v < 0.5:
        r, g, b = 244, int(150 + 170 * v), 140
    else:
        r, g, b = int(244 - 240 * (v - 0.5)), 235, int(140 + 20 * (v - 0.5))
    return f"#{r:02x}{g:02x}{b:02x}"
