"""Failure artifacts: a screenshot, the frames' HTML and a Playwright trace, redacted.

When a flow fails in a way a person must look at (an error page, a changed layout), the
port keeps what the browser saw under a reference (``helpdesk-20261126T150102-3f9a1c``)
that the error carries to the caller. Every text in them — HTML, the trace's action log,
network log, DOM snapshots and the pages it kept (UTF-8 or Latin-1) — has passwords, cookie
values, CSRF tokens and ``Authorization`` values of any scheme replaced by placeholders
before it is written.
"""

from __future__ import annotations

import logging
import secrets as _random
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from web_scrape.secrets import SecretBook, find_secret_values

__all__ = ["ArtifactStore", "redact_trace"]

log = logging.getLogger("legacy_bridges.web_scrape")


def redact_trace(source: Path, target: Path, book: SecretBook, extra: set[str] | None = None) -> None:
    """Copy a Playwright trace zip, replacing every secret in its text members."""
    with zipfile.ZipFile(source) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    texts: dict[str, tuple[str, str]] = {}  # member → (text, its encoding)
    found = set(extra or ())
    for info, data in members:
        try:
            texts[info.filename] = (data.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            if b"\0" in data[:4096]:
                continue  # binary (a screenshot, an image resource)
            texts[info.filename] = (data.decode("latin-1"), "latin-1")  # a Latin-1 page the browser loaded
        found |= find_secret_values(texts[info.filename][0])
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            if info.filename in texts:
                text, encoding = texts[info.filename]
                data = book.redact_text(text, found).encode(encoding)
            zout.writestr(info.filename, data)


class ArtifactStore:
    """Writes redacted failure artifacts into ``directory``."""

    def __init__(self, directory: Path, system: str, book: SecretBook) -> None:
        self.directory = Path(directory)
        self.system = system
        self.book = book

    def new_reference(self) -> str:
        """A fresh artifact reference (also the files' name stem)."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return f"{self.system}-{stamp}-{_random.token_hex(3)}"

    def capture(self, page: Any, trace_zip: Path | None, reason: str) -> str | None:
        """Keep the page's screenshot and HTML and the (redacted) trace; return the reference.

        Runs on the browser's owner thread; a capture that fails is logged, never raised
        (the original error matters more)."""
        reference = self.new_reference()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stem = self.directory / reference
            extra = self._live_secrets(page)
            if page is not None and not page.is_closed():
                try:
                    page.screenshot(path=str(stem.with_suffix(".png")), timeout=3000)
                except Exception as exc:
                    log.info("artifact %s: no screenshot (%s)", reference, type(exc).__name__)
                html = []
                for frame in page.frames:
                    try:
                        html.append(f"<!-- frame {frame.name or '(top)'}: {frame.url} -->\n{frame.content()}")
                    except Exception:
                        continue
                text = "\n".join(html)
                extra |= find_secret_values(text)
                stem.with_suffix(".html").write_text(
                    f"<!-- {self.book.redact_text(reason)} -->\n" + self.book.redact_text(text, extra), encoding="utf-8"
                )
            if trace_zip is not None and trace_zip.exists():
                redact_trace(trace_zip, stem.with_suffix(".trace.zip"), self.book, extra)
                trace_zip.unlink(missing_ok=True)
        except Exception:
            log.exception("artifact %s could not be written", reference)
        return reference

    @staticmethod
    def _live_secrets(page: Any) -> set[str]:
        try:
            return {c["value"] for c in page.context.cookies()} if page is not None else set()
        except Exception:
            return set()
