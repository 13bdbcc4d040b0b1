"""Discovery: look at a legacy system and write the source of a bridge for it, for the engineer to edit.

One module per transport (``bridges.discover.odbc``, ``bridges.discover.tn3270`` …); the ``bridges discover`` command
(``facade_app.discover_cli``) runs them.
"""
