"""CUSTBAL — CUSTMAST's nightly customer-balance extract: EBCDIC records by copybook, over SFTP."""

from bridges.custbal.bridge import BalancesBridge, BalancesSettings

__all__ = ["BalancesBridge", "BalancesSettings"]
