"""Charts as PNG images, drawn with matplotlib's Agg backend, legible on a phone.

Each chart is one figure of 1200 x 900 pixels with large type, horizontal bars (names fit
on the left, values are written at the ends of the bars) and no more than a dozen bars;
longer lists keep the largest. Figures are made with the object API (`Figure`), never
pyplot, so charts can be drawn in worker threads without a global state.
"""

import io
from collections.abc import Sequence
from datetime import timedelta

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from core.leads import LOSS_REASON_LABELS, LossReason
from core.metrics import SourceCost
from core.reporting import Analysis

WIDTH, HEIGHT, DPI = 8, 6, 150
MAX_BARS = 12
BLUE, ORANGE, GREY, RED = "#2b6cb0", "#dd6b20", "#a0aec0", "#c53030"

matplotlib.rcParams.update(
    {
        "font.size": 13,
        "axes.titlesize": 16,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


def _figure() -> tuple[Figure, object]:
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _minutes(delta: timedelta | None) -> float:
    return delta.total_seconds() / 60 if delta is not None else 0.0


def response_by_rep(analysis: Analysis) -> bytes:
    """Draw each rep's median and 90th-percentile first response against the norm."""
    report = analysis.report
    rows = [
        (analysis.rep_name(rep), figures.response)
        for rep, figures in report.by_rep.items()
        if figures.response.answered
    ]
    title = "Response time per rep"
    if len(rows) > MAX_BARS:
        title = f"Response time: the {MAX_BARS} slowest of {len(rows)} reps"
    rows = sorted(rows, key=lambda row: _minutes(row[1].median_business))[-MAX_BARS:]
    figure, axes = _figure()
    names = [name for name, _ in rows]
    p90 = [_minutes(times.p90_business) for _, times in rows]
    medians = [_minutes(times.median_business) for _, times in rows]
    axes.barh(names, p90, color=GREY, label="90th percentile")
    axes.barh(names, medians, color=BLUE, height=0.5, label="median")
    norm = report.norm.total_seconds() / 60
    axes.axvline(norm, color=RED, linewidth=2.5, linestyle="--", label=f"norm {norm:g} min")
    for y, value in enumerate(medians):
        axes.text(value, y, f" {value:.0f}", va="center", fontsize=12)
    axes.set_xlabel("first response, business minutes")
    axes.set_title(title)
    axes.legend(loc="lower right", fontsize=11)
    return _png(figure)


def funnel(analysis: Analysis) -> bytes:
    """Draw the funnel: leads at each stage, with the conversion from the stage before."""
    steps = analysis.report.team.funnel
    figure, axes = _figure()
    names = [step.stage for step in reversed(steps)]
    counts = [step.reached for step in reversed(steps)]
    axes.barh(names, counts, color=BLUE)
    for y, step in enumerate(reversed(steps)):
        conversion = f"  ({step.conversion:.0%})" if step.conversion is not None else ""
        axes.text(step.reached, y, f" {step.reached:,}{conversion}", va="center", fontsize=12)
    axes.set_xlabel("leads that reached the stage")
    axes.set_title("Funnel")
    axes.set_xlim(0, max([*counts, 1]) * 1.3)
    return _png(figure)


def loss_reasons(analysis: Analysis) -> bytes:
    """Draw the loss reasons by count, most frequent on top."""
    shares = list(analysis.report.team.losses)[:MAX_BARS]
    figure, axes = _figure()
    names = [_reason(share.reason) for share in reversed(shares)]
    counts = [share.count for share in reversed(shares)]
    axes.barh(names, counts, color=ORANGE)
    for y, share in enumerate(reversed(shares)):
        axes.text(share.count, y, f" {share.count:,} ({share.share:.0%})", va="center")
    axes.set_xlabel("lost leads")
    axes.set_title("Why leads were lost")
    axes.set_xlim(0, max([*counts, 1]) * 1.3)
    return _png(figure)


def cost_per_deal(analysis: Analysis, currency: str) -> bytes:
    """Draw cost per deal by source; sources without deals show their leads instead."""
    rows: Sequence[SourceCost] = [row for row in analysis.report.costs if row.leads or row.spend]
    rows = sorted(rows, key=lambda row: row.cost_per_deal or 0)[-MAX_BARS:]
    figure, axes = _figure()
    names = [analysis.source_name(row.source_id) for row in rows]
    values = [float(row.cost_per_deal or 0) for row in rows]
    axes.barh(names, values, color=BLUE)
    for y, row in enumerate(rows):
        label = f" {row.cost_per_deal:,.0f}" if row.cost_per_deal is not None else " no deals"
        axes.text(values[y], y, label, va="center", fontsize=12)
    axes.set_xlabel(f"cost per deal, {currency}")
    axes.set_title("Cost per deal by source")
    axes.set_xlim(0, max([*values, 1]) * 1.3)
    return _png(figure)


def leads_by_source(analysis: Analysis) -> bytes:
    """Draw leads and deals per source, for when no spend has been entered."""
    rows = sorted(analysis.report.by_source.items(), key=lambda item: item[1].leads)
    rows = rows[-MAX_BARS:]
    figure, axes = _figure()
    names = [analysis.source_name(source) for source, _ in rows]
    axes.barh(names, [figures.leads for _, figures in rows], color=GREY, label="leads")
    axes.barh(names, [figures.deals.won for _, figures in rows], color=BLUE, label="won")
    for y, (_, figures) in enumerate(rows):
        axes.text(figures.leads, y, f" {figures.leads:,} / {figures.deals.won:,}", va="center")
    axes.set_title("Leads and deals by source")
    axes.legend(loc="lower right", fontsize=11)
    return _png(figure)


def warm_up() -> None:
    """Draw one small chart, so fonts and the PNG writer are loaded before a user waits."""
    figure, axes = _figure()
    axes.barh(["warm"], [1], color=BLUE)
    axes.set_title("warm")
    _png(figure)


def _reason(value: str) -> str:
    try:
        return LOSS_REASON_LABELS[LossReason(value)]
    except ValueError:
        return value
