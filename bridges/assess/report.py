"""The assessment's reports: a JSON document with a versioned schema, a Markdown one for people, and
the same as one self-contained HTML page with charts (:mod:`bridges.assess.html`).

JSON schema, version 1 (``schema_version``; a field is only ever added within a version), as a JSON
Schema (draft 2020-12) in ``bridges/assess/assessment.schema.json`` (:data:`SCHEMA_PATH`; every
object lists its fields), in short::

    {
      "schema_version": 1,
      "generated_at": "2026-12-01T17:30:00+00:00",   # UTC
      "as_of": "2025-06-30",                         # the date freshness is measured from
      "systems": [{
        "name": "orders", "transport": "odbc", "where": "<connection string, no secrets>",
        "error": "<why it could not be assessed>",    # only when it could not
        "security": [{"class": "no_tls" | "secret_in_clear" | "write_operations" | "account_can_write",
                      "detail": "..."}],
        "database": {                                  # ODBC systems
          "dialect": "sqlite", "schema": null,
          "sampling": {"rows_per_relation": 1000, "method": "...", "count_limit": 1000000},
          "account_can_write": [], "cost": {"queries": 68, "rows_read": 10071, "seconds": 1.4},
          "references": [{"child", "column", "parent", "key", "how", "checked", "orphans", "examples", "problem"}],
          "relations": [{
            "name": "ORDHDR", "kind": "table" | "view",
            "count": {"rows": 20000, "exact": true, "how": "counted" | "catalog estimate" | ...},
            "sampled": 1000, "key": ["OHORNO"], "key_proof": "...", "key_problem": "...", "problem": "...",
            "columns": [{"name", "type", "kind", "sampled", "nulls", "null_rate", "blanks", "padded",
                         "distinct_sampled", "distinct_estimate", "top": [{"value", "count"}],
                         "reading", "reading_note", "min", "max", "date_range", "freshness", "personal"}],
            "findings": [{"class", "column", "count", "sampled", "rule", "examples", "note"}]
          }]
        },
        "probe": {...}, "walk": {...},                 # TN3270 hosts (mainframe.assess): reachable, tls, tn3270e;
                                                       #   sign_on, screens [{name, fields [{name, kind, row, col,
                                                       #   length}]}], response_ms {p50, p95, max}, typed_fields
        "probe": {...}, "pages": [...],                # web apps (web_scrape.assess): login, csrf_field,
                                                       #   session_cookies, pages [{status, latency_ms, bytes,
                                                       #   encoding, needs_javascript, layout_stable}]
        "personal_fields": [{"screen" | "page", "field", "kind"}],
        "discover": {"tables": [...], "command": "bridges discover odbc ..."},  # ODBC: relations with a key
        "summary": {...}                               # as the top-level summary, for this system
      }],
      "summary": {"systems": 1, "relations": 16, "rows": 90000, "columns": 120, "personal_columns": 6,
                  "screens": 3, "pages": 3, "personal_fields": 4, "security_findings": 0,
                  "preparation": [{"class", "rule", "columns", "values"}]}   # one line per class and rule
    }

Finding classes: ``char_padding``, ``blank``, ``legacy_date``, ``date_sentinel``, ``legacy_time``, ``cents``,
``number_as_text``, ``number_sentinel``, ``mojibake``, ``ebcdic_bytes``, ``not_utf8``, ``personal_data``,
``duplicate_key``, ``no_key``, ``stale_history``, ``packed_decimal``, ``zoned_decimal``, ``orphan``. ``rule``
is the codec of :mod:`bridges.core.codecs` that reads it, ``governance`` for personal data, or ``needs work``.
Examples of personal data are masked.

With records files and a crosswalk, ``across`` (see :mod:`bridges.assess.across`): per system its
records, canonical customers, ids not mapped and customers under two ids (and ``read``, for customers
read through a bridge's operations: which, calls, seconds, the limit and whether every customer was
read); ``overlap`` (customers per combination of systems); ``disagreements`` per field with masked
examples.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_PATH", "SCHEMA_VERSION", "build_report", "markdown_report", "schema_errors", "write_reports"]

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("assessment.schema.json")
"""The JSON Schema of :data:`SCHEMA_VERSION`'s report."""
JSON_NAME = "assessment.json"
MARKDOWN_NAME = "assessment.md"
HTML_NAME = "assessment.html"
_KEPT = {True: " (kept between fetches)", False: " (a new session on every fetch)"}


def _summary(systems: list[dict[str, Any]]) -> dict[str, Any]:
    relations = [r for s in systems for r in s.get("database", {}).get("relations", [])]
    prep: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in relations:
        for f in r["findings"]:
            line = prep[(f["class"], f["rule"])]
            line[0] += 1
            line[1] += f["count"]
    return {
        "systems": len(systems),
        "relations": len(relations),
        "rows": sum(r["count"]["rows"] or 0 for r in relations),
        "columns": sum(len(r["columns"]) for r in relations),
        "personal_columns": sum(1 for r in relations for c in r["columns"] if c["personal"]),
        "screens": sum(len((s.get("walk") or {}).get("screens", [])) for s in systems),
        "pages": sum(len(s.get("pages") or []) for s in systems),
        "personal_fields": sum(len(s.get("personal_fields", [])) for s in systems),
        "security_findings": sum(len(s["security"]) for s in systems),
        "preparation": [
            {"class": kind, "rule": rule, "columns": n, "values": values}
            for (kind, rule), (n, values) in sorted(prep.items())
        ],
    }


def build_report(
    systems: list[dict[str, Any]], *, as_of: dt.date, across: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON report of ``systems`` (from :func:`bridges.assess.targets.assess_targets`) and, when given,
    the ``across`` entry (:func:`bridges.assess.across.across_systems`)."""
    for system in systems:
        system["summary"] = _summary([system])
    report = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "systems": systems,
        "summary": _summary(systems),
    }
    if across is not None:
        report["across"] = across
    return report


def schema_errors(report: dict[str, Any]) -> list[str]:
    """Where ``report`` (as JSON) departs from :data:`SCHEMA_PATH`, one line each (none: it is valid).
    Needs ``jsonschema-rs`` (a test dependency)."""
    import jsonschema_rs

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    document = json.loads(json.dumps(report, default=str))  # as written: dates and tuples as JSON has them
    return [f"/{'/'.join(map(str, e.instance_path))}: {e.message[:200]}" for e in validator.iter_errors(document)]


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]


def _count(count: dict[str, Any]) -> str:
    if count["rows"] is None:
        return count["how"]
    if not count["exact"] and count["how"].startswith("more than"):  # a bounded COUNT stopped at its limit
        return f"more than {count['rows'] - 1:,}"
    return f"{count['rows']:,}" + ("" if count["exact"] else " (est.)")


def _database_lines(db: dict[str, Any]) -> list[str]:
    sampling = db["sampling"]
    lines = [
        f"{db['dialect']}{', schema ' + db['schema'] if db['schema'] else ''}; up to "
        f"{sampling['rows_per_relation']} rows sampled per relation ({sampling['method']}); "
        f"{db['cost']['queries']} queries, {db['cost']['rows_read']:,} rows read in {db['cost']['seconds']} s.",
        "",
    ]
    rows = []
    for r in db["relations"]:
        key = ", ".join(r["key"]) or f"none ({r['key_problem'] or r['problem']})"
        rows.append([r["name"], r["kind"], _count(r["count"]), r["sampled"], key])
    lines += _table(["relation", "kind", "rows", "sampled", "key"], rows)
    findings = [(r["name"], f) for r in db["relations"] for f in r["findings"]]
    if findings:
        lines += ["", "Findings (counts are of sampled rows):", ""]
        lines += _table(
            ["relation", "column", "class", "count", "rule", "examples"],
            [
                [rel, f["column"], f["class"], f"{f['count']}/{f['sampled']}", f["rule"], "; ".join(f["examples"])]
                for rel, f in findings
            ],
        )
    if db.get("references"):
        lines += ["", "References (declared, or inferred from column names) and orphans in the sample:", ""]
        lines += _table(
            ["relation", "column", "references", "how", "checked", "orphans", "examples"],
            [
                [
                    f["child"],
                    f["column"],
                    f"{f['parent']}.{f['key']}",
                    f["how"],
                    f["checked"],
                    f["orphans"],
                    "; ".join(f["examples"]) or f["problem"],
                ]
                for f in db["references"]
            ],
        )
    fresh = [(r["name"], c) for r in db["relations"] for c in r["columns"] if c["date_range"]]
    if fresh:
        lines += ["", "Dates and freshness:", ""]
        buckets = list(fresh[0][1]["freshness"])
        lines += _table(
            ["relation", "column", "from", "to", *buckets],
            [[rel, c["name"], *c["date_range"], *c["freshness"].values()] for rel, c in fresh],
        )
    return lines


def _host_lines(system: dict[str, Any]) -> list[str]:
    probe = system["probe"]
    lines = [
        f"Reachable: {probe['reachable']}; TLS: {probe['tls']}; TN3270E offered: {probe['tn3270e']}; "
        f"code page {system['code_page']}, model {system['model']}; connect {probe['connect_ms']} ms.",
        "",
    ]
    limit = system.get("session_limit") or (system.get("walk") or {}).get("session_limit")
    if limit:
        lines += [f"Session limit reached: {limit}", ""]
    walk = system.get("walk")
    if walk:
        lines += [
            f"Sign-on: {walk['sign_on']}. {walk['round_trips']} round trips, response p50 {walk['response_ms']['p50']} "
            f"ms, p95 {walk['response_ms']['p95']} ms, max {walk['response_ms']['max']} ms. Typed into: "
            f"{', '.join(walk['typed_fields']) or 'nothing'}.",
            "",
        ]
        rows = []
        for screen in walk["screens"]:
            inputs = [f"{f['name']}({f['length']})" for f in screen["fields"] if f["kind"] == "input"]
            outputs = [f"{f['name']}({f['length']})" for f in screen["fields"] if f["kind"] == "output"]
            rows.append(
                [screen["name"], screen["seen"], ", ".join(inputs), ", ".join(outputs), " ".join(screen["keys"])]
            )
        lines += _table(["screen", "seen", "input fields", "output fields", "keys"], rows)
    elif system.get("note"):
        lines.append(system["note"])
    return lines


def _web_lines(system: dict[str, Any]) -> list[str]:
    probe = system["probe"]
    cookies = ", ".join(
        f"{c['name']}{' HttpOnly' if c['httponly'] else ''}{' Secure' if c['secure'] else ''}"
        for c in probe["session_cookies"]
    )
    lines = [
        f"Reachable: {probe['reachable']}; TLS: {probe['tls']}; login: {probe['login']}; CSRF field: "
        f"{probe['csrf_field'] or 'none'}; session cookies: {cookies or 'none'}"
        f"{_KEPT.get(probe.get('session_kept'), '')}.",
        "",
    ]
    lines += _table(
        ["start page", "status", "latency ms (2 fetches)", "bytes", "encoding", "needs JavaScript", "layout stable"],
        [
            [
                p["path"] or "/",
                p["status"],
                " / ".join(map(str, p["latency_ms"])),
                p["bytes"],
                p["encoding"],
                p["needs_javascript"],
                p["layout_stable"],
            ]
            for p in probe["pages"]
        ],
    )
    if system.get("pages"):
        lines += ["", "Pages seen after the login:", ""]
        lines += _table(
            ["page", "frame", "title", "bytes", "forms", "tables"],
            [
                [
                    p["url"],
                    p["frame"],
                    p["title"],
                    p["bytes"],
                    ", ".join(p["forms"]),
                    "; ".join(", ".join(t) for t in p["tables"]),
                ]
                for p in system["pages"]
            ],
        )
    elif system.get("note"):
        lines.append(system["note"])
    return lines


def _across_lines(across: dict[str, Any]) -> list[str]:
    lines = ["", "## Across systems", "", f"Through crosswalk version {across['crosswalk_version']}.", ""]
    lines += _table(
        ["system", "records", "canonical customers", "ids not mapped", "customers under two ids"],
        [
            [name, s["records"], s["canonical_customers"], s["unmapped"], s["mapped_twice"]]
            for name, s in across["systems"].items()
        ],
    )
    for name, s in across["systems"].items():
        if "read" in s:
            read = s["read"]
            bound = "all of them" if read["complete"] else f"stopped at {read['limit']:,} (not all)"
            lines.append(
                f"- {name}: read through {' and '.join(read['operations'])}, {read['calls']:,} call(s) in "
                f"{read['seconds']:.1f} s, {bound}"
            )
    lines += ["", "Customers held by each combination of systems:", ""]
    lines += _table(["systems", "customers"], [[k, v] for k, v in across["overlap"].items()])
    lines += ["", "Fields that disagree for the same customer:", ""]
    lines += _table(
        ["field", "customers", "examples"],
        [[f, d["count"], "; ".join(d["examples"])] for f, d in across["disagreements"].items()],
    )
    return lines


def markdown_report(report: dict[str, Any]) -> str:
    """The report for people: per system its relations, findings, dates and security; the overall summary."""
    s = report["summary"]
    lines = [
        "# Systems and data readiness assessment",
        "",
        f"Generated {report['generated_at']}; freshness as of {report['as_of']}. "
        f"{s['systems']} system(s), {s['relations']} relation(s), {s['rows']:,} rows, {s['columns']} columns, "
        f"{s['personal_columns']} with likely personal data, {s['screens']} screen(s), {s['pages']} page(s), "
        f"{s['personal_fields']} personal field(s) shown, {s['security_findings']} security finding(s).",
        "",
        "## Preparation scope",
        "",
    ]
    lines += _table(
        ["class", "rule", "columns", "values"],
        [[p["class"], p["rule"], p["columns"], p["values"]] for p in s["preparation"]],
    )
    for system in report["systems"]:
        lines += ["", f"## {system['name']} ({system['transport']})", "", f"`{system['where']}`", ""]
        if "error" in system:
            lines += [f"Not assessed: {system['error']}", ""]
        if system["security"]:
            lines += ["Security:", ""] + [f"- {f['class']}: {f['detail']}" for f in system["security"]] + [""]
        if "database" in system:
            lines += _database_lines(system["database"])
        if (system.get("discover") or {}).get("command"):
            lines += [
                "",
                "Next, declared views for a bridge (codecs suggested as above):",
                "",
                f"`{system['discover']['command']}`",
            ]
        if system["transport"] == "tn3270" and "probe" in system:
            lines += _host_lines(system)
        if system["transport"] == "web" and "probe" in system:
            lines += _web_lines(system)
        if system.get("personal_fields"):
            lines += ["", "Likely personal data shown:", ""]
            lines += [
                f"- {f.get('screen') or f.get('page')}: {f['field']} ({f['kind']})" for f in system["personal_fields"]
            ]
    if "across" in report:
        lines += _across_lines(report["across"])
    return "\n".join(lines) + "\n"


def write_reports(report: dict[str, Any], out: Path) -> tuple[Path, Path, Path]:
    """Write the JSON, Markdown and HTML reports into ``out`` (made if missing); their paths."""
    from bridges.assess.html import html_report

    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path, html_path = out / JSON_NAME, out / MARKDOWN_NAME, out / HTML_NAME
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    markdown = markdown_report(report)
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(html_report(report, markdown), encoding="utf-8")
    return json_path, md_path, html_path
