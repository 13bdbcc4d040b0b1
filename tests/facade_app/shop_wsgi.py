"""The test facade as a WSGI module for a real gunicorn (settings from ``T_SHOP_*`` variables)."""

import os

from tests.facade_app.conftest import make_app, make_config

app, _ = make_app(make_config(audit_log=os.environ["T_SHOP_AUDIT"],
                              state_dir=os.path.dirname(os.environ["T_SHOP_AUDIT"]),  # the audit store beside it
                              body_timeout_s=float(os.environ.get("T_SHOP_BODY_TIMEOUT", "10"))))
