"""The use cases: the only layer that composes the adapters (store, ingest, render, spc, waits).

Names are loaded on first use, so that importing one service does not import every adapter.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "CatalogueDiff",
    "ExportResult",
    "ImportOutcome",
    "RefreshResult",
    "RollupResult",
    "StoreStatus",
    "database_url",
    "diff_catalogue",
    "export_period",
    "import_commentary",
    "import_targets",
    "import_values",
    "init_store",
    "load_catalogue",
    "open_store",
    "refresh_spc",
    "rollup",
    "show_catalogue",
    "store_session",
    "store_status",
]

_HOMES = {
    "CatalogueDiff": "catalogue",
    "diff_catalogue": "catalogue",
    "load_catalogue": "catalogue",
    "show_catalogue": "catalogue",
    "ExportResult": "export",
    "export_period": "export",
    "ImportOutcome": "imports",
    "import_commentary": "imports",
    "import_targets": "imports",
    "import_values": "imports",
    "RefreshResult": "refresh",
    "refresh_spc": "refresh",
    "RollupResult": "_store",
    "database_url": "_store",
    "init_store": "_store",
    "open_store": "_store",
    "rollup": "_store",
    "store_session": "_store",
    "StoreStatus": "status",
    "store_status": "status",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'trustboard.services' has no attribute '{name}'")
    return getattr(import_module(f"trustboard.services.{home}"), name)
