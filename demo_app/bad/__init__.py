"""Endpoints that block the event loop: each blocking line is marked ``# expect: ALxxx``."""
