"""Systems and data readiness assessment: what each legacy system holds and what preparing it takes.

``bridges assess`` reads every configured system through its bridge's transport (or one given
directly) read-only, at bounded cost, and writes a JSON report (:data:`report.SCHEMA_VERSION`)
and a human one. :mod:`.targets` says what is assessed and with which caps, :mod:`.report`
builds and writes the reports; :mod:`.extract` profiles an extract file's fields by its copybook.
"""

from __future__ import annotations

from bridges.assess.extract import ExtractTarget
from bridges.assess.hosts import HostTarget, WebTarget, host_target, web_target
from bridges.assess.report import SCHEMA_VERSION, build_report, markdown_report, write_reports
from bridges.assess.targets import (
    DatabaseTarget,
    FacadeTarget,
    assess_targets,
    database_target,
    facade_target,
    targets_from_config,
)

__all__ = [
    "SCHEMA_VERSION",
    "DatabaseTarget",
    "ExtractTarget",
    "FacadeTarget",
    "HostTarget",
    "WebTarget",
    "assess_targets",
    "build_report",
    "database_target",
    "facade_target",
    "host_target",
    "markdown_report",
    "targets_from_config",
    "web_target",
    "write_reports",
]
