"""The validation codes the readers report, each with its meaning and how to fix it.

One vocabulary: every code a reader in :mod:`trustboard.ingest` can put on a
:class:`~trustboard.errors.Problem` is listed here once, and ``docs/errors.md`` documents
each of them (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from trustboard.errors import ErrorCode

__all__ = ["CODES", "CodeInfo"]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a validation code means and what a person does about it."""

    code: str
    meaning: str
    fix: str


_ROWS: tuple[tuple[str, str, str], ...] = (
    # --- metric values (read_values) -------------------------------------------------
    (
        ErrorCode.V_FILE,
        "The file cannot be read (missing, not CSV/Excel/Parquet, damaged, or empty).",
        "Check the path and save the file again as .csv, .xlsx or .parquet.",
    ),
    (
        ErrorCode.V_MISSING_COLUMN,
        "A column the layout needs is not in the header row.",
        "Add the column (long layout: metric_id, period, "
        "org_unit and value or numerator and denominator; "
        "wide layout: metric_id, org_unit and at least one period column).",
    ),
    (
        ErrorCode.V_COLUMN,
        "A header cell is repeated, or a wide-layout "
        "header is neither a known column nor a period.",
        "Rename or remove the column; period headers look "
        "like 2024-04, Apr-24, Apr 2024 or an Excel date.",
    ),
    (
        ErrorCode.V_EMPTY,
        "A required cell is blank (metric id, period, org "
        "unit, or all of value, numerator and denominator).",
        "Fill in the cell, or delete the row.",
    ),
    (
        ErrorCode.V_UNKNOWN_METRIC,
        "The metric id is not in the catalogue.",
        "Correct the id, or add the metric to the catalogue and import the catalogue first.",
    ),
    (
        ErrorCode.V_UNKNOWN_ORG,
        "The org unit code is not in the catalogue's org_units.yaml.",
        "Correct the code, or add the unit to org_units.yaml.",
    ),
    (
        ErrorCode.V_PERIOD,
        "The period cannot be read as a reporting period.",
        "Write 2025-03, Mar-25, Mar 2025, 2025-W09, 2024-25 Q4, 2024-25, or a date.",
    ),
    (
        ErrorCode.V_PERIOD_FREQUENCY,
        "The period does not fit the metric's frequency (a month for a quarterly metric, "
        "or a date that is neither the first nor the last day of a period).",
        "Give the period in the metric's frequency, or "
        "correct the metric's frequency in the catalogue.",
    ),
    (
        ErrorCode.V_FUTURE,
        "The period starts after the import date.",
        "Check the period (a typing slip such as 2052 for 2025 is common).",
    ),
    (
        ErrorCode.V_DUPLICATE,
        "Two rows give the same metric, period and org unit (in one file or across files).",
        "Keep one of the rows.",
    ),
    (
        ErrorCode.V_NOT_NUMBER,
        "A value, numerator or denominator is not a number.",
        "Write a plain number (1234, 1,234, 0.85 or 85%); "
        "leave the cell blank when there is no figure.",
    ),
    (
        ErrorCode.V_NEGATIVE,
        "A count, numerator, denominator or a value that cannot be negative is below zero.",
        "Correct the figure; only £000 metrics may be negative.",
    ),
    (
        ErrorCode.V_IMPLAUSIBLE,
        "A figure cannot be real: larger than the largest magnitude allowed, a count that is "
        "not a whole number, or a period before the NHS began (July 1948).",
        "Correct the figure or the period; the largest magnitude is max_magnitude in the "
        "configuration (see docs/security.md).",
    ),
    (
        ErrorCode.V_ZERO_DEN,
        "The denominator is zero, so no value can be worked out.",
        "Leave the row out for the period (no eligible cases), or correct the denominator.",
    ),
    (
        ErrorCode.V_NUM_GT_DEN,
        "The numerator is larger than the denominator of a percentage metric.",
        "Check the two figures; they may be the wrong way round.",
    ),
    (
        ErrorCode.V_VALUE_MISMATCH,
        "The value disagrees with numerator ÷ denominator × the metric's multiplier.",
        "Correct the value, or leave it blank so it is "
        "worked out from the numerator and denominator.",
    ),
    (
        ErrorCode.V_PERCENT_SCALE,
        "A percentage looks like it is on the wrong scale: 85 where 0.85 is expected, "
        "or a % figure given for a metric that is not a percentage.",
        "Write 0.85 or 85% (or head the column 'value (%)'); "
        "use plain numbers for non-percentage metrics.",
    ),
    (
        ErrorCode.V_BOOL,
        "The provisional flag is not yes or no.",
        "Write yes/no, y/n, true/false or 1/0; a blank cell means no.",
    ),
    (
        ErrorCode.V_MEASURE,
        "A wide-layout measure is not numerator, denominator or value, or is repeated.",
        "Use one row each for numerator, denominator and value of a metric and org unit.",
    ),
    # --- catalogue (read_catalogue) ---------------------------------------------------
    (
        ErrorCode.C_FILE,
        "A catalogue file is missing or cannot be read (bad YAML, CSV or Excel).",
        "metrics.yaml (or metrics.csv / metrics.xlsx), "
        "org_units.yaml and forums.yaml must be in the folder; "
        "fix the syntax error named in the message.",
    ),
    (
        ErrorCode.C_STRUCTURE,
        "A catalogue file does not have the expected shape (e.g. not a list of metrics).",
        "Start the file with 'metrics:' (or 'org_units:', "
        "'forums:') followed by a list of entries.",
    ),
    (ErrorCode.C_REQUIRED, "A required field is missing.", "Add the field."),
    (
        ErrorCode.C_UNKNOWN_FIELD,
        "A field is not one the catalogue knows (often a typing slip).",
        "Correct the field name (the message suggests the closest known name) or remove it.",
    ),
    (
        ErrorCode.C_FIELD,
        "A field has a value it cannot take (wrong type, not one of the allowed words, bad date).",
        "Use one of the allowed values named in the message.",
    ),
    (ErrorCode.C_DUPLICATE_METRIC, "Two metrics have the same id.", "Give each metric its own id."),
    (
        ErrorCode.C_DUPLICATE_ORG,
        "Two org units have the same code.",
        "Give each org unit its own code.",
    ),
    (ErrorCode.C_DUPLICATE_FORUM, "Two forums have the same id.", "Give each forum its own id."),
    (
        ErrorCode.C_UNKNOWN_DIRECTORATE,
        "A metric's directorate is not an org unit.",
        "Use the code of an org unit from org_units.yaml (TRUST for trust-wide metrics).",
    ),
    (
        ErrorCode.C_UNKNOWN_PARENT,
        "An org unit names a parent that does not exist.",
        "Correct the parent code or add the parent unit.",
    ),
    (
        ErrorCode.C_CYCLE,
        "Org units are each other's parents, directly or through others.",
        "Make the hierarchy a tree: the trust at the "
        "top, with no way back up to a unit from below.",
    ),
    (
        ErrorCode.C_UNKNOWN_METRIC,
        "A forum or a metric names a metric id that is not in the catalogue.",
        "Correct the id in include_metrics, exclude_metrics or triangulate_with.",
    ),
    (
        ErrorCode.C_UNKNOWN_COMMITTEE,
        "A metric's lead committee is not a forum id or a committee named by a forum.",
        "Use a forum id or add the committee to a forum's committees list.",
    ),
    # --- targets (read_targets and targets inside the catalogue) ------------------------
    (ErrorCode.T_FILE, "A targets file cannot be read.", "Save it again as .csv, .xlsx or .yaml."),
    (
        ErrorCode.T_MISSING_COLUMN,
        "A targets file has no metric_id or value column.",
        "Head the columns metric_id, value, comparator, type, source, valid_from, valid_to.",
    ),
    (
        ErrorCode.T_UNKNOWN_METRIC,
        "A target names a metric that is not in the catalogue.",
        "Correct the metric id.",
    ),
    (
        ErrorCode.T_FIELD,
        "A target field has a value it cannot take (comparator, type, number or date).",
        "Use >=, <= or = for comparator; national_standard, "
        "national_ambition, contractual, local or "
        "trajectory for type; dates as 2025-04-01.",
    ),
    (
        ErrorCode.T_OVERLAP,
        "Two targets of the same metric and type are in force on the same day.",
        "End the earlier target (valid_to) the day before the later one starts (valid_from).",
    ),
    # --- commentary and actions (read_commentary) --------------------------------------
    (
        ErrorCode.N_FILE,
        "A commentary file cannot be read (bad YAML or front matter, or not .yaml/.yml/.md).",
        "Fix the syntax error named in the message; Markdown "
        "files start with front matter between '---' lines.",
    ),
    (
        ErrorCode.N_REQUIRED,
        "A commentary or action lacks a required field "
        "(metric, period; id, description, owner, due).",
        "Add the field.",
    ),
    (
        ErrorCode.N_FIELD,
        "A commentary or action field has a value it "
        "cannot take (an unknown field or assurance level).",
        "Use assured, partially_assured or not_assured "
        "for assurance_level; correct the field name.",
    ),
    (
        ErrorCode.N_UNKNOWN_SECTION,
        "A heading or section key is not one of the narrative sections.",
        "Use one of the section headings listed in docs/imports.md.",
    ),
    (
        ErrorCode.N_TEXT_OUTSIDE_SECTION,
        "Markdown text comes before the first section heading, so it belongs to no section.",
        "Put the text under a heading such as '## What the chart shows'.",
    ),
    (
        ErrorCode.N_UNKNOWN_METRIC,
        "Commentary or an action names a metric that is not in the catalogue.",
        "Correct the metric id.",
    ),
    (
        ErrorCode.N_UNKNOWN_ORG,
        "Commentary names an org unit that is not in the catalogue.",
        "Correct the org unit code.",
    ),
    (
        ErrorCode.N_PERIOD,
        "The commentary period cannot be read or does not fit the metric's frequency.",
        "Write the period as the metric reports it: 2025-03, 2025-W09, 2024-25 Q4 or 2024-25.",
    ),
    (
        ErrorCode.N_DATE,
        "An action date (due, original_due, opened, completed) is not a date.",
        "Write dates as 2025-04-30.",
    ),
    (
        ErrorCode.N_STATUS,
        "An action status is not one of the allowed statuses.",
        "Use on_track, at_risk, off_track, complete or closed.",
    ),
    (
        ErrorCode.N_DUPLICATE,
        "The same metric, period and org unit has commentary twice, or an action id is used twice.",
        "Merge the two, or give the action its own id.",
    ),
)

#: Every validation code reported by :mod:`trustboard.ingest`, in documentation order.
CODES: dict[str, CodeInfo] = {code: CodeInfo(code, meaning, fix) for code, meaning, fix in _ROWS}
