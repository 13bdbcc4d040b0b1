"""Record linkage across silos that share no identifier: ``bridges crosswalk build`` and ``diff``.

Each system's customer records (:mod:`.records`) are compared pairwise in blocks, scored field by
field with rapidfuzz and weighted by how rare each agreeing value is (:mod:`.match`), and the
links become a versioned crosswalk in the project's format, with match probabilities and a review
file of the uncertain pairs (:mod:`.build`). :mod:`.ceiling` counts the pairs no field tells apart.
"""

from __future__ import annotations

from bridges.linkage.build import BuildResult, build_crosswalk, diff_crosswalks, evaluate, write_outputs
from bridges.linkage.ceiling import undecidable
from bridges.linkage.match import Link, link_systems
from bridges.linkage.records import Record, read_records, write_records

__all__ = [
    "BuildResult",
    "Link",
    "Record",
    "build_crosswalk",
    "diff_crosswalks",
    "evaluate",
    "link_systems",
    "read_records",
    "undecidable",
    "write_outputs",
    "write_records",
]
