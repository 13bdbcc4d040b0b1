"""The demo hosts the listing tests watch: CUSTMAST on TN3270 and the HELPDESK web app (their own fixtures)."""

from tests.bridges.custmast.conftest import host  # noqa: F401 (a fixture)
from tests.bridges.helpdesk.conftest import artifacts_dir, helpdesk_app, helpdesk_config  # noqa: F401 (fixtures)
