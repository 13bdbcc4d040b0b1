"""CUSTMAST: the demo world's CICS-style customer master, on TN3270 green screens."""

from bridges.custmast.bridge import CustmastBridge, CustmastSettings

__all__ = ["CustmastBridge", "CustmastSettings"]
