"""The CUSTBAL bridge: CUSTMAST's nightly customer-balance extract, fetched over SFTP and decoded
by its copybook (``CUSTBAL.cpy``, the host's own, kept here as the bridge's contract)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bridges.core.errors import LegacyError
from bridges.core.operation import Example, operation
from bridges.core.streaming import RowStream
from bridges.custbal.models import Balance, BalancePage, ExportBalances, ExtractInfo, GetExtractInfo, ListBalances
from extract.bridge import ExtractBridge, ExtractSettings, TrailerSpec

__all__ = ["BalancesBridge", "BalancesSettings"]

_STATUS = {"A": "active", "B": "blocked"}


class BalancesSettings(ExtractSettings):
    """CUSTBAL options: those of every extract bridge (:class:`extract.bridge.ExtractSettings`)."""


def _date(value: int) -> date | None:
    if value == 0:
        return None
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        raise LegacyError(f"CUSTBAL: {value} is not a YYYYMMDD date") from None


class BalancesBridge(ExtractBridge):
    """Customer balances from CUSTMAST's nightly extract (read-only; refreshed when a newer file appears)."""

    name = "custbal"
    title = "CUSTBAL customer-balance extract"
    description = (
        "CUSTMAST's nightly customer-balance extract: fixed-length EBCDIC records fetched over SFTP, "
        "checked against their trailer and decoded by the COBOL copybook — balances as exact Decimals, "
        "canonical customer ids."
    )
    Settings = BalancesSettings
    copybook = Path(__file__).with_name("CUSTBAL.cpy")
    record = "CUSTBAL-DETAIL"
    trailer = TrailerSpec("CUSTBAL-TRAILER", count="tr_record_count", total="tr_balance_total", total_of="cb_balance")
    pattern = "CUSTBAL.D*.DAT"

    def _balance(self, row: dict[str, Any]) -> dict[str, Any]:
        status = _STATUS.get(row["cb_status"])
        if status is None:
            raise LegacyError(f"CUSTBAL: status {row['cb_status']!r} is not a known status")
        custmast_no = f"{row['cb_cust_no']:08d}"
        crosswalk = self.context.crosswalk
        return {
            "customer_id": crosswalk.canonical("custmast", custmast_no) if crosswalk is not None else None,
            "custmast_no": custmast_no,
            "name": row["cb_name"],
            "country": row["cb_country"],
            "balance": row["cb_balance"],
            "credit_limit": row["cb_credit_limit"],
            "days_overdue": row["cb_days_overdue"],
            "last_payment": _date(row["cb_last_payment"]),
            "status": status,
            "monthly_net": [m["cb_month_net"] for m in row["cb_month"]],
        }

    @operation(
        summary="List customer balances, a page at a time",
        examples=[
            Example({"limit": 20}, summary="The first 20 balances"),
            Example({"start": 21, "limit": 20}, summary="The next 20"),
        ],
    )
    def list_balances(self, query: ListBalances) -> BalancePage:
        """Balances of the latest extract in file order, `limit` records from record `start`; pass `next_start`
        back as `start` for the next page. Which extract answered is in `extract`."""
        loaded, rows, next_start = self.page(query.start, query.limit)
        return BalancePage(
            extract=loaded.info(),
            balances=[Balance.model_validate(self._balance(r)) for r in rows],
            next_start=next_start,
        )

    @operation(
        summary="Export every customer balance as a stream",
        examples=[Example({}, summary="The whole extract"), Example({"status": "blocked"}, summary="Blocked only")],
        row_model=Balance,
    )
    def export_balances(self, query: ExportBalances) -> RowStream:
        """Every balance of the latest extract in file order, streamed as NDJSON or CSV at bounded memory."""
        stream = self.rows()
        balances = (self._balance(r) for r in stream)
        if query.status is not None:
            balances = (b for b in balances if b["status"] == query.status)
        return RowStream(balances, on_close=stream.close)

    @operation(summary="Which extract is served", examples=[Example({}, summary="The current extract")])
    def extract_info(self, query: GetExtractInfo) -> ExtractInfo:
        """The file name, record count, size and checked control total of the extract being served, and when it
        was fetched."""
        return self.current().info()
