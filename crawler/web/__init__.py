"""The local audit UI (`govwire serve`): documents, archived originals with their cuts marked,
releases with their copies, per-site quality over time. Needs the `ui` extra (Flask)."""
from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":  # lazy: importing crawler.web must not require Flask
        from crawler.web.app import create_app
        return create_app
    raise AttributeError(name)
