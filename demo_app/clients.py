"""One async HTTP client for the upstream, shared by all requests.

Creating an ``httpx.AsyncClient`` builds an SSL context (tens of milliseconds on the event loop)
and a fresh connection pool; a long-lived client pays for that once.
"""

from __future__ import annotations

import httpx

from demo_app.settings import settings

upstream = httpx.AsyncClient(base_url=settings.upstream_url, timeout=10.0)
