"""The validation codes the readers report, each with its meaning and how to fix it.

One vocabulary: every code a reader in :mod:`trustboard.ingest` can put on a
:class:`~trustboard.errors.Problem` is listed here once, and ``docs/errors.md`` documents
each of them (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

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
        "TB-V-FILE",
        "The file cannot be read (missing, not CSV/Excel/Parquet, damaged, or empty).",
        "Check the path and save the file again as .csv, .xlsx or .parquet.",
    ),
    (
        "TB-V-MISSING-COLUMN",
        "A column the layout needs is not in the header row.",
        "Add the column (long layout: metric_id, period, org_unit and value or numerator and denominator; "
        "wide layout: metric_id, org_unit and at least one period column).",
    ),
    (
        "TB-V-COLUMN",
        "A header cell is repeated, or a wide-layout header is neither a known column nor a period.",
        "Rename or remove the column; period headers look like 2024-04, Apr-24, Apr 2024 or an Excel date.",
    ),
    (
        "TB-V-EMPTY",
        "A required cell is blank (metric id, period, org unit, or all of value, numerator and denominator).",
        "Fill in the cell, or delete the row.",
    ),
    (
        "TB-V-UNKNOWN-METRIC",
        "The metric id is not in the catalogue.",
        "Correct the id, or add the metric to the catalogue and import the catalogue first.",
    ),
    (
        "TB-V-UNKNOWN-ORG",
        "The org unit code is not in the catalogue's org_units.yaml.",
        "Correct the code, or add the unit to org_units.yaml.",
    ),
    (
        "TB-V-PERIOD",
        "The period cannot be read as a reporting period.",
        "Write 2025-03, Mar-25, Mar 2025, 2025-W09, 2024-25 Q4, 2024-25, or a date.",
    ),
    (
        "TB-V-PERIOD-FREQUENCY",
        "The period does not fit the metric's frequency (a month for a quarterly metric, "
        "or a date that is neither the first nor the last day of a period).",
        "Give the period in the metric's frequency, or correct the metric's frequency in the catalogue.",
    ),
    (
        "TB-V-FUTURE",
        "The period starts after the import date.",
        "Check the period (a typing slip such as 2052 for 2025 is common).",
    ),
    (
        "TB-V-DUPLICATE",
        "Two rows give the same metric, period and org unit (in one file or across files).",
        "Keep one of the rows.",
    ),
    (
        "TB-V-NOT-NUMBER",
        "A value, numerator or denominator is not a number.",
        "Write a plain number (1234, 1,234, 0.85 or 85%); leave the cell blank when there is no figure.",
    ),
    (
        "TB-V-NEGATIVE",
        "A count, numerator, denominator or a value that cannot be negative is below zero.",
        "Correct the figure; only £000 metrics may be negative.",
    ),
    (
        "TB-V-ZERO-DEN",
        "The denominator is zero, so no value can be worked out.",
        "Leave the row out for the period (no eligible cases), or correct the denominator.",
    ),
    (
        "TB-V-NUM-GT-DEN",
        "The numerator is larger than the denominator of a percentage metric.",
        "Check the two figures; they may be the wrong way round.",
    ),
    (
        "TB-V-VALUE-MISMATCH",
        "The value disagrees with numerator ÷ denominator × the metric's multiplier.",
        "Correct the value, or leave it blank so it is worked out from the numerator and denominator.",
    ),
    (
        "TB-V-PERCENT-SCALE",
        "A percentage looks like it is on the wrong scale: 85 where 0.85 is expected, "
        "or a % figure given for a metric that is not a percentage.",
        "Write 0.85 or 85% (or head the column 'value (%)'); use plain numbers for non-percentage metrics.",
    ),
    (
        "TB-V-BOOL",
        "The provisional flag is not yes or no.",
        "Write yes/no, y/n, true/false or 1/0; a blank cell means no.",
    ),
    (
        "TB-V-MEASURE",
        "A wide-layout measure is not numerator, denominator or value, or is repeated.",
        "Use one row each for numerator, denominator and value of a metric and org unit.",
    ),
    # --- catalogue (read_catalogue) ---------------------------------------------------
    (
        "TB-C-FILE",
        "A catalogue file is missing or cannot be read (bad YAML, CSV or Excel).",
        "metrics.yaml (or metrics.csv / metrics.xlsx), org_units.yaml and forums.yaml must be in the folder; "
        "fix the syntax error named in the message.",
    ),
    (
        "TB-C-STRUCTURE",
        "A catalogue file does not have the expected shape (e.g. not a list of metrics).",
        "Start the file with 'metrics:' (or 'org_units:', 'forums:') followed by a list of entries.",
    ),
    ("TB-C-REQUIRED", "A required field is missing.", "Add the field."),
    (
        "TB-C-UNKNOWN-FIELD",
        "A field is not one the catalogue knows (often a typing slip).",
        "Correct the field name (the message suggests the closest known name) or remove it.",
    ),
    (
        "TB-C-FIELD",
        "A field has a value it cannot take (wrong type, not one of the allowed words, bad date).",
        "Use one of the allowed values named in the message.",
    ),
    ("TB-C-DUPLICATE-METRIC", "Two metrics have the same id.", "Give each metric its own id."),
    ("TB-C-DUPLICATE-ORG", "Two org units have the same code.", "Give each org unit its own code."),
    ("TB-C-DUPLICATE-FORUM", "Two forums have the same id.", "Give each forum its own id."),
    (
        "TB-C-UNKNOWN-DIRECTORATE",
        "A metric's directorate is not an org unit.",
        "Use the code of an org unit from org_units.yaml (TRUST for trust-wide metrics).",
    ),
    (
        "TB-C-UNKNOWN-PARENT",
        "An org unit names a parent that does not exist.",
        "Correct the parent code or add the parent unit.",
    ),
    (
        "TB-C-CYCLE",
        "Org units are each other's parents, directly or through others.",
        "Make the hierarchy a tree: the trust at the top, with no way back up to a unit from below.",
    ),
    (
        "TB-C-UNKNOWN-METRIC",
        "A forum or a metric names a metric id that is not in the catalogue.",
        "Correct the id in include_metrics, exclude_metrics or triangulate_with.",
    ),
    (
        "TB-C-UNKNOWN-COMMITTEE",
        "A metric's lead committee is not a forum id or a committee named by a forum.",
        "Use a forum id or add the committee to a forum's committees list.",
    ),
    # --- targets (read_targets and targets inside the catalogue) ------------------------
    ("TB-T-FILE", "A targets file cannot be read.", "Save it again as .csv, .xlsx or .yaml."),
    (
        "TB-T-MISSING-COLUMN",
        "A targets file has no metric_id or value column.",
        "Head the columns metric_id, value, comparator, type, source, valid_from, valid_to.",
    ),
    (
        "TB-T-UNKNOWN-METRIC",
        "A target names a metric that is not in the catalogue.",
        "Correct the metric id.",
    ),
    (
        "TB-T-FIELD",
        "A target field has a value it cannot take (comparator, type, number or date).",
        "Use >=, <= or = for comparator; national_standard, national_ambition, contractual, local or "
        "trajectory for type; dates as 2025-04-01.",
    ),
    (
        "TB-T-OVERLAP",
        "Two targets of the same metric and type are in force on the same day.",
        "End the earlier target (valid_to) the day before the later one starts (valid_from).",
    ),
    # --- commentary and actions (read_commentary) --------------------------------------
    (
        "TB-N-FILE",
        "A commentary file cannot be read (bad YAML or front matter, or not .yaml/.yml/.md).",
        "Fix the syntax error named in the message; Markdown files start with front matter between '---' lines.",
    ),
    (
        "TB-N-REQUIRED",
        "A commentary or action lacks a required field (metric, period; id, description, owner, due).",
        "Add the field.",
    ),
    (
        "TB-N-FIELD",
        "A commentary or action field has a value it cannot take (an unknown field or assurance level).",
        "Use assured, partially_assured or not_assured for assurance_level; correct the field name.",
    ),
    (
        "TB-N-UNKNOWN-SECTION",
        "A heading or section key is not one of the narrative sections.",
        "Use one of the section headings listed in docs/imports.md.",
    ),
    (
        "TB-N-TEXT-OUTSIDE-SECTION",
        "Markdown text comes before the first section heading, so it belongs to no section.",
        "Put the text under a heading such as '## What the chart shows'.",
    ),
    (
        "TB-N-UNKNOWN-METRIC",
        "Commentary or an action names a metric that is not in the catalogue.",
        "Correct the metric id.",
    ),
    (
        "TB-N-UNKNOWN-ORG",
        "Commentary names an org unit that is not in the catalogue.",
        "Correct the org unit code.",
    ),
    (
        "TB-N-PERIOD",
        "The commentary period cannot be read or does not fit the metric's frequency.",
        "Write the period as the metric reports it: 2025-03, 2025-W09, 2024-25 Q4 or 2024-25.",
    ),
    (
        "TB-N-DATE",
        "An action date (due, original_due, opened, completed) is not a date.",
        "Write dates as 2025-04-30.",
    ),
    (
        "TB-N-STATUS",
        "An action status is not one of the allowed statuses.",
        "Use on_track, at_risk, off_track, complete or closed.",
    ),
    (
        "TB-N-DUPLICATE",
        "The same metric, period and org unit has commentary twice, or an action id is used twice.",
        "Merge the two, or give the action its own id.",
    ),
)

#: Every validation code reported by :mod:`trustboard.ingest`, in documentation order.
CODES: dict[str, CodeInfo] = {code: CodeInfo(code, meaning, fix) for code, meaning, fix in _ROWS}
