"""Referral spells in DuckDB: referrals of one person joined into spells before any clock.

NHS England's MHSDS waiting-time measures count *referral spells* (4w_waits_prep [S32]): the
referrals of a person to a provider form one spell when each is received no more than five
days after the end of the spell so far (the measure code adds five days to every end date and
merges what overlaps; an open referral has no end).  trustboard does the same per person and
service among the referrals in scope of the spell standards (rejected referrals and referrals
without a person id stay on their own), then rewrites the inputs so that every engine path
sees each spell as one referral:

* the spell keeps the id of its first referral (earliest received, then smallest id), that
  referral's breakdown values and priority, the earliest received date, and the latest
  closure (none while any member is open) with that closure's reason;
* contacts and events of the other members are moved onto the spell's id.

Only members of spells with more than one referral are touched, so the rewrite is a join with
a small table.  Rows keep their source positions, so problems are still reported by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from trustboard.waits.spec import Standard

__all__ = ["apply_spells", "spell_gap"]


def _sql_list(values: Sequence[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def spell_gap(standards: Sequence[Standard]) -> int | None:
    """The spell gap shared by ``standards`` (callers run differing gaps separately)."""
    gaps = {s.spell_gap_days for s in standards}
    if len(gaps) != 1:
        raise ValueError("standards with different spell settings are computed separately")
    return next(iter(gaps))


def _positioned(con: duckdb.DuckDBPyConnection, table: Any, name: str) -> str:
    """A view of ``table`` with a ``_position`` column (copied tables number rows by rowid)."""
    if table.position == "t._position":
        return str(table.table)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT t.*, t.rowid AS _position "
        f"FROM {table.table} t"
    )
    table.position = "t._position"
    return name


def apply_spells(
    con: duckdb.DuckDBPyConnection,
    tables: dict[str, Any],
    standards: Sequence[Standard],
    gap: int,
) -> None:
    """Join the in-scope referrals into spells and point ``tables`` at the rewritten inputs.

    ``tables`` holds the engine's normalised tables (objects with ``table``, ``position`` and
    ``sources``); their ``table`` names are replaced by views over the spells.
    """
    services = sorted({v for s in standards for v in s.services})
    every = any(not s.services for s in standards)
    scope = "true" if every else f"service IN {_sql_list(services)}"
    ref = tables["referrals"]
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE tb_spell_members AS
        WITH m AS (
            SELECT referral_id, person_id, service, received_date, closed_date,
                   max(coalesce(closed_date, DATE '9999-01-01') + {int(gap)}) OVER (
                       PARTITION BY person_id, service ORDER BY received_date, referral_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
            FROM {ref.table}
            WHERE {scope} AND NOT rejected AND person_id IS NOT NULL
                  AND referral_id IS NOT NULL AND received_date IS NOT NULL
        ), n AS (
            SELECT *, sum(CASE WHEN reach IS NULL OR received_date > reach THEN 1 ELSE 0 END)
                      OVER (PARTITION BY person_id, service ORDER BY received_date, referral_id
                            ROWS UNBOUNDED PRECEDING) AS spell_no
            FROM m
        ), s AS (
            SELECT *, first_value(referral_id) OVER (
                       PARTITION BY person_id, service, spell_no
                       ORDER BY received_date, referral_id) AS spell_id,
                   count(*) OVER (PARTITION BY person_id, service, spell_no) AS size
            FROM n
        )
        SELECT referral_id, spell_id, received_date, closed_date FROM s WHERE size > 1
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE tb_spell_moves AS
        SELECT referral_id, spell_id FROM tb_spell_members WHERE referral_id <> spell_id
        """
    )
    reason = "_src_closure_reason" if "closure_reason" in ref.sources else None
    reason_pick = (
        f", arg_max_null(r.{reason}, {{'closed': r.closed_date, 'id': r.referral_id}})"
        " FILTER (WHERE r.closed_date IS NOT NULL) AS s_src"
        if reason
        else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE tb_spells AS
        SELECT m.spell_id, min(m.received_date) AS s_received,
               CASE WHEN bool_or(m.closed_date IS NULL) THEN NULL
                    ELSE max(m.closed_date) END AS s_closed,
               -- the reason of the referral that ended the spell, even when it is blank
               -- (arg_max would skip a NULL reason); ties broken by referral id, as on Spark
               arg_max_null(r.closure_reason, {{'closed': r.closed_date, 'id': r.referral_id}})
                   FILTER (WHERE r.closed_date IS NOT NULL) AS s_reason{reason_pick}
        FROM tb_spell_members m JOIN {ref.table} r ON r.referral_id = m.referral_id
        GROUP BY m.spell_id
        """
    )
    replaced = [
        "coalesce(s.s_received, r.received_date) AS received_date",
        "CASE WHEN s.spell_id IS NULL THEN r.closed_date ELSE s.s_closed END AS closed_date",
        "CASE WHEN s.spell_id IS NULL THEN r.closure_reason ELSE s.s_reason END AS closure_reason",
    ]
    if reason:
        replaced.append(
            f"CASE WHEN s.spell_id IS NULL THEN r.{reason} ELSE s.s_src END AS {reason}"
        )
    source = _positioned(con, ref, "tb_referrals_positioned")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW tb_referrals_spells AS
        SELECT r.* REPLACE ({", ".join(replaced)})
        FROM {source} r
        LEFT JOIN tb_spells s ON s.spell_id = r.referral_id
        ANTI JOIN tb_spell_moves v ON v.referral_id = r.referral_id
        """
    )
    ref.table = "tb_referrals_spells"
    for kind in ("contacts", "events"):
        table = tables.get(kind)
        if table is None:
            continue
        source = _positioned(con, table, f"tb_{kind}_positioned")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW tb_{kind}_spells AS
            SELECT t.* REPLACE (coalesce(v.spell_id, t.referral_id) AS referral_id)
            FROM {source} t LEFT JOIN tb_spell_moves v ON v.referral_id = t.referral_id
            """
        )
        table.table = f"tb_{kind}_spells"
