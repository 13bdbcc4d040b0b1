"""Personal data in audit inputs: every value under a name that suggests it (street, phone,
email …) is kept as a keyed digest, ``hmac-sha256:`` and the HMAC-SHA256 of the value.

A bare SHA-256 would not do: a phone number or a postcode has few enough possible values to be
found again by hashing them all. With a secret key, equal values still give equal digests (an
auditor can follow one customer's address changes, or check a value they are given), but
nobody without the key can test guesses.

The key is ``facade.audit_key`` (a secret reference: an environment variable or a file). When
none is configured, a random key is made once and kept in ``audit.key`` beside the SQLite audit
store (or in ``facade.state_dir``), readable by its owner only (mode 0600); every worker on that
host reads the same file. Several hosts writing one PostgreSQL store need ``facade.audit_key``,
or their digests of one value differ. Losing the key loses nothing but the ability to check a
value against the trail; the chain still verifies without it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bridges.core.config import Config
from bridges.core.personal import kind_by_name

__all__ = ["DIGEST_PREFIX", "PersonalDigest", "audit_key", "key_file"]

DIGEST_PREFIX = "hmac-sha256:"
"""What a digested value starts with."""
KEY_FILE = "audit.key"


@functools.lru_cache(maxsize=1024)
def _personal(name: str) -> bool:
    return kind_by_name(name) is not None


class PersonalDigest:
    """Replaces values under personal-looking names with their keyed digest."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the audit key must hold at least 16 bytes")
        self._key = key

    def of(self, value: Any) -> str:
        """The keyed digest of one value (as text)."""
        return DIGEST_PREFIX + hmac.new(self._key, str(value).encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    def apply(self, inputs: Any, name: str = "") -> Any:
        """``inputs`` with every value under a personal-looking name (at any depth) digested."""
        if isinstance(inputs, dict):
            return {k: self.apply(v, str(k)) for k, v in inputs.items()}
        if isinstance(inputs, list):
            return [self.apply(v, name) for v in inputs]
        if name and inputs is not None and _personal(name):
            return self.of(inputs)
        return inputs


def key_file(config: Config, store_url: str | None) -> Path:
    """Where the generated key lives: beside a SQLite store's file, else in ``state_dir``."""
    if store_url:
        url = make_url(store_url)
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return Path(url.database).parent / KEY_FILE
    return config.path(config.facade.state_dir) / KEY_FILE


def audit_key(config: Config, store_url: str | None) -> bytes:
    """``facade.audit_key``, or the key kept in :func:`key_file` (made on first use)."""
    if config.facade.audit_key is not None:
        return config.facade.audit_key.resolve("facade.audit_key").get_secret_value().encode()
    return _kept_key(key_file(config, store_url))


def _kept_key(path: Path) -> bytes:
    """The key in ``path``; when there is none, a new random one, written so that a process
    racing to do the same reads the winner's key, never a half-written file."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: its key stands
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())
