"""The Flask facade: every declared operation as a validated, documented, authenticated,
rate-limited, audited HTTP endpoint (and an AI tool). It sees only declared operations
and core errors — never a transport.

``create_app`` is imported lazily so that ``facade_app.client`` (what an AI service
imports) does not load Flask.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from facade_app.app import create_app

        return create_app
    raise AttributeError(name)
