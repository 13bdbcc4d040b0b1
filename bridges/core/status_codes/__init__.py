"""Versioned status-code maps of the legacy systems, as data (read by ``codecs.StatusMap``)."""
