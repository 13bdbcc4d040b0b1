"""The assessment as one self-contained HTML page: the Markdown report's content, with charts.

Charts are drawn with matplotlib (the Agg backend, no display) as SVG and embedded inline, and
the page links nothing — no script, font, stylesheet or image from anywhere — so it opens the
same with the network off. Each chart is an ``<figure class="chart" data-chart="…">``:

* ``preparation`` — findings by class (values affected, from the samples);
* ``distributions`` — the values of code-like columns (2 to 12 distinct values sampled, no personal
  data): each top value's share of the sample;
* ``null-rates`` — each database's columns with NULL or blank values, by their share;
* ``freshness`` — each date column's sampled dates by age (the guide's temporal relevance);
* ``response-times`` — each TN3270 host's round trips (p50, p95, max) and web start pages' latency;
* ``overlap`` — an UpSet view: customers held by each combination of systems (bars) above the
  combination's systems (a dot matrix).
"""

from __future__ import annotations

import html
import io
from typing import Any

__all__ = ["html_report"]

_CODES = 12
"""At most this many distinct values sampled: a code column (status, currency), whose distribution is drawn."""

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
figure.chart { margin: 1em 0; }
figure.chart svg { max-width: 100%; height: auto; }
code { background: #f6f6f6; padding: 0 0.2em; }
"""


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _chart(name: str, title: str, draw: Any, height: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": name})  # text as text; stable ids
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(9, max(2.0, height)))
    try:
        draw(axes)
        axes.set_title(title, fontsize=10)
        svg = _svg(figure)
    finally:
        pyplot.close(figure)
    return f'<figure class="chart" data-chart="{name}">{svg}<figcaption>{html.escape(title)}</figcaption></figure>'


def _barh(labels: list[str], values: list[float], xlabel: str) -> Any:
    def draw(axes: Any) -> None:
        axes.barh(range(len(values)), values, color="#4a78a8")
        axes.set_yticks(range(len(labels)), labels, fontsize=7)
        axes.invert_yaxis()
        axes.set_xlabel(xlabel, fontsize=8)

    return draw


def _charts(report: dict[str, Any]) -> list[str]:
    charts = []
    prep = report["summary"]["preparation"]
    if prep:
        labels = [f"{p['class']} ({p['rule']})" for p in prep]
        charts.append(
            _chart(
                "preparation",
                "Findings by class: values affected in the samples",
                _barh(labels, [p["values"] for p in prep], "values"),
                0.3 * len(labels) + 1,
            )
        )
    coded = [
        (f"{s['name']}.{r['name']}.{c['name']} = {t['value'] or '(blank)'}", t["count"] / c["sampled"])
        for s in report["systems"]
        for r in s.get("database", {}).get("relations", [])
        for c in r["columns"]
        if c.get("sampled") and 2 <= c.get("distinct_sampled", 0) <= _CODES and not c.get("personal")
        for t in c.get("top", [])
    ][:40]
    if coded:
        charts.append(
            _chart(
                "distributions",
                "Value distributions of code-like columns: each value's share of the sample",
                _barh([n for n, _ in coded], [v for _, v in coded], "share of sampled rows"),
                0.22 * len(coded) + 1,
            )
        )
    nulls = [
        (f"{s['name']}.{r['name']}.{c['name']}", (c.get("nulls", 0) + c.get("blanks", 0)) / c["sampled"])
        for s in report["systems"]
        for r in s.get("database", {}).get("relations", [])
        for c in r["columns"]
        if c.get("sampled") and c.get("nulls", 0) + c.get("blanks", 0)
    ]
    nulls.sort(key=lambda item: -item[1])
    if nulls:
        top = nulls[:30]
        charts.append(
            _chart(
                "null-rates",
                "Share of NULL or blank values, per column that has any (sampled)",
                _barh([n for n, _ in top], [v for _, v in top], "null or blank"),
                0.25 * len(top) + 1,
            )
        )
    dated = [
        (f"{s['name']}.{r['name']}.{c['name']}", c["freshness"])
        for s in report["systems"]
        for r in s.get("database", {}).get("relations", [])
        for c in r["columns"]
        if c.get("freshness")
    ][:20]
    if dated:
        charts.append(
            _chart(
                "freshness",
                "Sampled dates by age (how much of the history is recent)",
                _stacked(dated),
                0.3 * len(dated) + 1.5,
            )
        )
    times = []
    for s in report["systems"]:
        walk = s.get("walk") or {}
        if walk.get("response_ms"):
            times += [(f"{s['name']} {q}", walk["response_ms"][q]) for q in ("p50", "p95", "max")]
        for page in (s.get("probe") or {}).get("pages", []):
            times += [(f"{s['name']} /{page['path']} fetch {i + 1}", ms) for i, ms in enumerate(page["latency_ms"])]
    if times:
        charts.append(
            _chart(
                "response-times",
                "Response times of hosts and web pages (ms)",
                _barh([n for n, _ in times], [v for _, v in times], "ms"),
                0.3 * len(times) + 1,
            )
        )
    across = report.get("across")
    if across and across["overlap"]:
        systems = sorted({name for combo in across["overlap"] for name in combo.split(" & ")})
        charts.append(
            _chart(
                "overlap",
                "Customers held by each combination of systems (UpSet)",
                _upset(across["overlap"], systems),
                3.0,
            )
        )
    return charts


def _upset(overlap: dict[str, int], systems: list[str]) -> Any:
    """Bars of customers per combination of systems, above a matrix whose dots say which systems."""

    def draw(axes: Any) -> None:
        combos = list(overlap.items())
        xs = list(range(len(combos)))
        axes.bar(xs, [n for _, n in combos], color="#4a78a8", width=0.6)
        for x, (_, n) in zip(xs, combos, strict=True):
            axes.annotate(f"{n:,}", (x, n), ha="center", va="bottom", fontsize=7)
        axes.set_xticks([])
        axes.set_xlim(-0.5, len(combos) - 0.5)
        axes.set_ylabel("customers", fontsize=8)
        matrix = axes.inset_axes((0, -0.16 * len(systems) - 0.05, 1, 0.16 * len(systems)), sharex=axes)
        for x, (combo, _) in zip(xs, combos, strict=True):
            held = [i for i, name in enumerate(systems) if name in combo.split(" & ")]
            matrix.scatter([x] * len(systems), range(len(systems)), color="#dddddd", s=36)
            matrix.scatter([x] * len(held), held, color="#222222", s=36)
            if len(held) > 1:
                matrix.plot([x, x], [min(held), max(held)], color="#222222", linewidth=1.5)
        matrix.set_yticks(range(len(systems)), systems, fontsize=7)
        matrix.set_ylim(len(systems) - 0.5, -0.5)
        matrix.tick_params(bottom=False, labelbottom=False)
        for side in matrix.spines.values():
            side.set_visible(False)

    return draw


def _stacked(dated: list[tuple[str, dict[str, int]]]) -> Any:
    def draw(axes: Any) -> None:
        buckets = list(dated[0][1])
        left = [0] * len(dated)
        for bucket in buckets:
            values = [f.get(bucket, 0) for _, f in dated]
            axes.barh(range(len(dated)), values, left=left, label=bucket)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.set_yticks(range(len(dated)), [n for n, _ in dated], fontsize=7)
        axes.invert_yaxis()
        axes.legend(fontsize=7, ncols=len(buckets), loc="lower right")
        axes.set_xlabel("sampled dates", fontsize=8)

    return draw


def _markdown_to_html(text: str) -> str:
    """The Markdown report's headings, paragraphs, lists and tables as HTML (all it uses)."""
    out, table, items = [], [], []

    def flush() -> None:
        if table:
            head, *body = [
                [html.escape(c.strip().replace("\\|", "|")) for c in _cells(r)] for r in table if "---" not in r
            ]
            out.append(
                "<table><tr>"
                + "".join(f"<th>{c}</th>" for c in head)
                + "</tr>"
                + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body)
                + "</table>"
            )
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        if line.startswith("- "):
            items.append(line[2:])
            continue
        flush()
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            out.append(f"<h{level}>{html.escape(line[level:].strip())}</h{level}>")
        elif line.strip():
            escaped = html.escape(line)
            out.append(f"<p>{escaped.replace('`', '')}</p>")
    flush()
    return "\n".join(out)


def _cells(row: str) -> list[str]:
    cells, current, i = [], "", 1
    while i < len(row) - 1:
        if row[i] == "\\" and row[i + 1] == "|":
            current += "\\|"
            i += 2
            continue
        if row[i] == "|":
            cells.append(current)
            current = ""
        else:
            current += row[i]
        i += 1
    return [*cells, current]


def html_report(report: dict[str, Any], markdown: str) -> str:
    """The page for ``report`` (its ``markdown`` rendering for the text, charts first)."""
    charts = "\n".join(_charts(report))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Systems and data readiness assessment</title>"
        f"<style>{_STYLE}</style></head><body>\n"
        f'<section id="charts"><h2>Charts</h2>\n{charts}\n</section>\n'
        f'<section id="report">{_markdown_to_html(markdown)}</section>\n</body></html>\n'
    )
