"""asynclint: find code that blocks the asyncio event loop, above all in FastAPI apps."""

__version__ = "0.1.0"
