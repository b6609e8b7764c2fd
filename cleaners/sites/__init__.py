"""Every site cleaner: one module per outlet, named like its seed (``seeds/<name>.toml``).

Importing this package imports each module in the folder (sorted, so registration order is
stable), which registers its cleaner: adding an outlet is adding its file, nothing to list.
``shared/`` holds CMS rules several outlets use; it registers nothing itself.
"""
from __future__ import annotations

import importlib
import pkgutil

__all__ = ["site_modules"]


def site_modules() -> list[str]:
    """Names of the outlet modules in this folder (``shared`` and private modules excluded)."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__)
                  if not m.ispkg and not m.name.startswith("_"))


for _name in site_modules():
    importlib.import_module(f"{__name__}.{_name}")
