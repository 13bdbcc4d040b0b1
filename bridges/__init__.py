"""legacy-bridges: the core (``bridges.core``) and the per-system bridge modules
(``bridges.orders``, ``bridges.custmast``, ``bridges.helpdesk``).

This package imports nothing on purpose: transports import ``bridges.core`` and must not
pull in a per-system bridge (and its driver) by doing so.
"""
