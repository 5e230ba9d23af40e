"""The published report in other forms: CSV, chart images (PNG) and PDF.

Everything here reads the stored, already public figures (PublishedReport.figures); nothing
here queries cases. Charts use matplotlib's Agg backend through the object API (no pyplot
global state, so it is safe in a threaded server).
"""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

# The PDF backend's font subsetting logs every step at INFO; not news for an operator.
logging.getLogger("fontTools").setLevel(logging.WARNING)
# Embed TrueType fonts in the PDF, so its text can be searched, copied and read by tools.
matplotlib.rcParams["pdf.fonttype"] = 42

CSV_FIELDS = ("section", "item", "value", "previous", "change")
CHARTS = {
    "cases": "Office actions received, by kind",
    "requests": "Requests from the public and DMCA notices",
    "response": "Time to response, in days",
}


def report_csv(report: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(report["figures"])
    return out.getvalue()


def _values(report: dict[str, Any], prefix: str, suffix: str = "") -> list[tuple[str, Any, Any]]:
    return [
        (f["item"], f["value"], f["previous"])
        for f in report["figures"]
        if f["key"].startswith(prefix) and f["key"].endswith(suffix)
    ]


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _bars(ax, rows: list[tuple[str, Any, Any]], labels: tuple[str, str]) -> None:
    """Current and previous side by side; a withheld figure is drawn as a labelled gap."""
    names = [name.split(":")[0] for name, _, _ in rows]
    ys = range(len(rows))
    now = [_number(v) for _, v, _ in rows]
    before = [_number(p) for _, _, p in rows]
    ax.barh([y + 0.2 for y in ys], now, height=0.4, label=labels[0], color="#36c")
    ax.barh([y - 0.2 for y in ys], before, height=0.4, label=labels[1], color="#aab")
    for y, (_, value, _) in zip(ys, rows, strict=True):
        if isinstance(value, str):
            ax.text(0, y + 0.2, f" {value}", va="center", fontsize=8)
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlim(0, max([*now, *before, 1]) * 1.15)
    ax.legend(fontsize=8, loc="lower right")


def _chart_figure(report: dict[str, Any], name: str) -> Figure:
    labels = (report["label"], report["previous_label"])
    fig = Figure(figsize=(8, 5), layout="constrained")
    if name == "cases":
        ax = fig.add_subplot()
        _bars(ax, _values(report, "cases.", ".received"), labels)
        ax.set_xlabel("cases received")
    elif name == "requests":
        left, right = fig.subplots(1, 2)
        _bars(left, _values(report, "requests."), labels)
        left.set_title("Requests", fontsize=10)
        _bars(right, _values(report, "dmca."), labels)
        right.set_title("DMCA", fontsize=10)
    elif name == "response":
        ax = fig.add_subplot()
        medians = _values(report, "response.", ".median_days")
        p90s = _values(report, "response.", ".p90_days")
        targets = {n.split(":")[0]: v for n, v, _ in _values(report, "response.", ".target")}
        names = [n.split(":")[0] for n, _, _ in medians]
        ys = range(len(names))
        ax.barh([y - 0.2 for y in ys], [_number(v) for _, v, _ in medians], 0.4, label="median")
        ax.barh([y + 0.2 for y in ys], [_number(v) for _, v, _ in p90s], 0.4, label="90th pct")
        names = [f"{n}\n(target: {targets.get(n, 'none set')})" for n in names]
        for y, (_, value, _) in zip(ys, medians, strict=True):
            if isinstance(value, str):
                ax.text(0, y, f" {value}", va="center", fontsize=8)
        ax.set_yticks(list(ys), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, max([_number(v) for _, v, _ in p90s] + [1]) * 1.15)
        ax.set_xlabel("days from receipt to decision")
        ax.legend(fontsize=8, loc="lower right")
    else:
        raise KeyError(name)
    fig.suptitle(f"{CHARTS[name]} — {report['label']}", fontsize=11)
    return fig


def report_chart_png(report: dict[str, Any], name: str) -> bytes:
    fig = _chart_figure(report, name)
    out = io.BytesIO()
    FigureCanvasAgg(fig).print_png(out)
    return out.getvalue()


def _text_pages(report: dict[str, Any]) -> list[list[str]]:
    lines = [
        f"Transparency report {report['period']}: {report['label']}",
        f"Compared with {report['previous_label']}. Counts below "
        f"{report['small_count_threshold']} are shown as 'fewer than "
        f"{report['small_count_threshold']}'.",
        "",
    ]
    section = None
    for f in report["figures"]:
        if f["section"] != section:
            section = f["section"]
            lines += ["", section]
        previous = "" if f["previous"] is None else f" (before: {f['previous']}; {f['change']})"
        lines.append(f"    {f['item']}: {f['value']}{previous}")
        if f["key"] == "appeals.filed" and report.get("appeals_note"):
            lines.append(f"    {report['appeals_note']}")
    per_page = 75
    return [lines[i : i + per_page] for i in range(0, len(lines), per_page)]


def report_pdf(report: dict[str, Any]) -> bytes:
    """Tables as text pages, then one page per chart, in one PDF."""
    out = io.BytesIO()
    with PdfPages(out) as pdf:
        for lines in _text_pages(report):
            fig = Figure(figsize=(8.27, 11.69))  # A4
            fig.text(0.06, 0.96, "\n".join(lines), va="top", fontsize=8, family="DejaVu Sans")
            pdf.savefig(fig)
        for name in CHARTS:
            pdf.savefig(_chart_figure(report, name))
        info = pdf.infodict()
        info["Title"] = f"Transparency report {report['period']}"
    return out.getvalue()
