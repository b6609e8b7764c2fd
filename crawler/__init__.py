"""govwire's Scrapy project and command line: wires cleaners/ and archive/ together."""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
