"""The store: SQLAlchemy models, Alembic migrations and a small typed repository.

One schema for two engines: an SQLite file (the embedded default) or PostgreSQL (the
``postgres`` extra).  The rest of trustboard uses :class:`Store` and gets Polars frames and
domain objects back; see ``docs/store.md``.
"""

from trustboard.store.audit import AuditEntry
from trustboard.store.catalogue import (
    CatalogueSummary,
    CatalogueVersion,
    MetricVersion,
    catalogue_hash,
    definition_hash,
)
from trustboard.store.current import DocumentProblem
from trustboard.store.engine import (
    DEFAULT_DATABASE_FILE,
    create_store_engine,
    current_revision,
    default_actor,
    head_revision,
    migrate,
    normalise_url,
    redact_url,
)
from trustboard.store.external_assurance import AssuranceImport
from trustboard.store.jobs import StoredJob
from trustboard.store.meetings import StoredMeeting
from trustboard.store.narrative import ActionChange
from trustboard.store.narrative_versions import NarrativeLead, NarrativeVersion
from trustboard.store.overrides import CheckOverride
from trustboard.store.paper import read_paper_config, save_paper_config
from trustboard.store.repository import ImportBatch, Store, utc_now
from trustboard.store.spc_results import SpcRun, StoredSpc
from trustboard.store.triggers import TriggerProblem
from trustboard.store.users import SessionRecord, StoredUser
from trustboard.store.values import (
    REQUIRED_VALUE_COLUMNS,
    VALUE_FRAME_SCHEMA,
    WriteSummary,
    to_utc_naive,
)

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "REQUIRED_VALUE_COLUMNS",
    "VALUE_FRAME_SCHEMA",
    "ActionChange",
    "AssuranceImport",
    "AuditEntry",
    "CatalogueSummary",
    "CatalogueVersion",
    "CheckOverride",
    "DocumentProblem",
    "ImportBatch",
    "MetricVersion",
    "NarrativeLead",
    "NarrativeVersion",
    "SessionRecord",
    "SpcRun",
    "Store",
    "StoredJob",
    "StoredMeeting",
    "StoredSpc",
    "StoredUser",
    "TriggerProblem",
    "WriteSummary",
    "catalogue_hash",
    "create_store_engine",
    "current_revision",
    "default_actor",
    "definition_hash",
    "head_revision",
    "migrate",
    "normalise_url",
    "read_paper_config",
    "redact_url",
    "save_paper_config",
    "to_utc_naive",
    "utc_now",
]
