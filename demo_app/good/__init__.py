"""Endpoints that keep the event loop free."""
