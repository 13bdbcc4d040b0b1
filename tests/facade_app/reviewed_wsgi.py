"""The test facade with reviewed writes, as a WSGI module for a real gunicorn (its review
queue and audit file named by ``T_REVIEW_DB`` and ``T_REVIEW_AUDIT``)."""

import os

from bridges.core.config import parse_config
from tests.facade_app.conftest import KEY, make_app

REVIEWER = "key-reviewer-000"

app, _ = make_app(parse_config({
    "facade": {"rate_limit": "100000/minute", "audit_log": os.environ["T_REVIEW_AUDIT"],
               "review_store": f"sqlite:///{os.environ['T_REVIEW_DB']}",
               "state_dir": os.path.dirname(os.environ["T_REVIEW_DB"])},
    "api_keys": [
        {"name": "clerk", "key": {"env": "T_CLERK", "default": KEY}, "scopes": ["shop:*"]},
        {"name": "boss", "key": {"env": "T_BOSS", "default": REVIEWER}, "scopes": ["shop:review"]},
    ],
    "bridges": {"shop": {"review_writes": True}},
}))
