"""Import and export of the Board Assurance Framework register: YAML and Excel.

The YAML form nests everything under each risk; the Excel workbook holds one row per item on
the sheets ``risks``, ``controls``, ``assurances``, ``gaps``, ``actions``, ``history``,
``key_metrics``, ``crr`` and ``appetite`` (plus ``objectives``, ``bands`` and ``settings`` so
that nothing is lost).  Reading collects every problem found, each with its file, sheet, row,
column, value and a stable ``TB-BAF-…`` code, and raises one
:class:`~trustboard.errors.DataValidationError` listing them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

import xlsxwriter
import yaml
from pydantic import BaseModel, ValidationError

from trustboard.domain.baf import (
    AppetiteLevel,
    AppetiteScale,
    Assurance,
    BafRegister,
    BafRisk,
    Control,
    CrrEntry,
    FieldGroup,
    Gap,
    GradingBand,
    ReviewEntry,
    ScoringScheme,
    StrategicObjective,
)
from trustboard.domain.narrative import Action
from trustboard.errors import DataValidationError, ErrorCode, ProblemCollector
from trustboard.ingest.entries import parse_bounded_yaml
from trustboard.ingest.tables import read_tables

__all__ = [
    "SHEET_COLUMNS",
    "read_register",
    "read_register_excel",
    "read_register_yaml",
    "register_from_mapping",
    "register_to_mapping",
    "write_register",
    "write_register_excel",
    "write_register_yaml",
]

_SCORE = "a whole number from 1 to 5"
# libyaml's loader is ten times faster than the pure-Python one; both read the same documents
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_LIST_FIELDS = {"objectives", "withhold", "action_ids"}

#: Columns of each sheet of the workbook, in the order they are written.
SHEET_COLUMNS: dict[str, tuple[str, ...]] = {
    "risks": (
        "id",
        "title",
        "objectives",
        "cause",
        "event",
        "effect",
        "executive_lead",
        "lead_committee",
        "inherent_likelihood",
        "inherent_consequence",
        "current_likelihood",
        "current_consequence",
        "target_likelihood",
        "target_consequence",
        "inherent_rationale",
        "current_rationale",
        "target_rationale",
        "target_date",
        "appetite_category",
        "appetite_level",
        "next_review",
        "publish",
        "withhold",
    ),
    "controls": ("risk_id", "id", "description"),
    "assurances": ("risk_id", "id", "line", "source", "date", "result", "description"),
    "gaps": ("risk_id", "id", "kind", "description", "action_ids"),
    "actions": (
        "risk_id",
        "id",
        "description",
        "owner",
        "due",
        "original_due",
        "status",
        "opened",
        "completed",
        "metric_id",
        "note",
    ),
    "history": (
        "risk_id",
        "date",
        "current_likelihood",
        "current_consequence",
        "target_likelihood",
        "target_consequence",
        "rationale",
        "reviewer",
        "committee",
    ),
    "key_metrics": ("risk_id", "metric_id"),
    "crr": ("risk_id", "id", "title", "likelihood", "consequence", "owner"),
    "appetite": ("name", "ordinal", "min_score", "max_score", "description"),
    "objectives": ("id", "title", "description"),
    "bands": ("name", "low", "high", "colour"),
    "settings": ("key", "value"),
}
_REQUIRED_SHEETS = ("risks",)
_CHILD_MODELS: dict[str, type[BaseModel]] = {
    "controls": Control,
    "assurances": Assurance,
    "gaps": Gap,
    "actions": Action,
    "history": ReviewEntry,
    "crr": CrrEntry,
}
_CHILD_FIELD = {
    "controls": "controls",
    "assurances": "assurances",
    "gaps": "gaps",
    "actions": "actions",
    "history": "history",
    "crr": "crr",
}


# ---------------------------------------------------------------------------------- problems


def _code_for(error: Any) -> tuple[str, str | None]:
    loc = [str(part) for part in error["loc"]]
    if loc and loc[-1] in ("likelihood", "consequence"):
        return ErrorCode.BAF_SCORE, _SCORE
    if error["type"] == "missing":
        return ErrorCode.BAF_MISSING, "a value"
    return ErrorCode.BAF_VALUE, None


def _report(
    problems: ProblemCollector,
    error: ValidationError,
    locate: Callable[[tuple[Any, ...]], dict[str, Any]],
) -> None:
    for item in error.errors():
        code, expected = _code_for(item)
        where = locate(tuple(item["loc"]))
        value = item.get("input") if item["type"] != "missing" else None
        if isinstance(value, dict):
            value = None
        message = "value missing" if code == ErrorCode.BAF_MISSING else item["msg"]
        if code == ErrorCode.BAF_SCORE:
            message = "score outside the 5×5 matrix"
        problems.add(code, message, value=value, expected=expected, **where)


def _validate(
    model: type[BaseModel],
    data: dict[str, Any],
    problems: ProblemCollector,
    locate: Callable[[tuple[Any, ...]], dict[str, Any]],
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        _report(problems, error, locate)
        return None


def _cross_check(
    register_parts: dict[str, Any],
    risks: list[tuple[BafRisk, Callable[[str, int | None], dict[str, Any]]]],
    catalogue_ids: Collection[str] | None,
    problems: ProblemCollector,
) -> None:
    """Checks across items: ids exist, appetite levels are on the scale, metrics are known."""
    objectives = {o.id for o in register_parts["objectives"]}
    scale: AppetiteScale = register_parts["appetite"]
    seen: set[str] = set()
    action_owner: dict[str, str] = {}
    for risk, where in risks:
        for action in risk.actions:
            if action.id in action_owner and action_owner[action.id] != risk.id:
                problems.add(
                    ErrorCode.BAF_DUPLICATE,
                    f"action {action.id} is listed under both "
                    f"{action_owner[action.id]} and {risk.id}",
                    value=action.id,
                    expected="action ids unique across the register",
                    **where("actions", None),
                )
            action_owner.setdefault(action.id, risk.id)
        if risk.id in seen:
            problems.add(
                ErrorCode.BAF_DUPLICATE,
                f"risk {risk.id} appears more than once",
                value=risk.id,
                expected="unique risk ids",
                **where("id", None),
            )
        seen.add(risk.id)
        for objective in risk.objectives:
            if objectives and objective not in objectives:
                problems.add(
                    ErrorCode.BAF_OBJECTIVE,
                    f"risk {risk.id} names an unknown strategic objective",
                    value=objective,
                    expected="one of " + ", ".join(sorted(objectives)),
                    **where("objectives", None),
                )
        if scale.level(risk.appetite_level) is None:
            problems.add(
                ErrorCode.BAF_APPETITE_LEVEL,
                f"risk {risk.id}: appetite level is not on the trust's scale",
                value=risk.appetite_level,
                expected="one of " + ", ".join(scale.names),
                **where("appetite_level", None),
            )
        if scale.categories and risk.appetite_category not in scale.categories:
            problems.add(
                ErrorCode.BAF_APPETITE_CATEGORY,
                f"risk {risk.id}: appetite category is not one the trust states",
                value=risk.appetite_category,
                expected="one of " + ", ".join(scale.categories),
                **where("appetite_category", None),
            )
        if catalogue_ids is not None:
            for index, metric in enumerate(risk.key_metrics):
                if metric not in catalogue_ids:
                    problems.add(
                        ErrorCode.BAF_UNKNOWN_METRIC,
                        f"risk {risk.id}: key metric is not in the catalogue",
                        value=metric,
                        expected="a metric id from the catalogue",
                        **where("key_metrics", index),
                    )
        action_ids = {a.id for a in risk.actions}
        for gap in risk.gaps:
            for action_id in gap.action_ids:
                if action_id not in action_ids:
                    problems.add(
                        ErrorCode.BAF_UNKNOWN_ACTION,
                        f"risk {risk.id}: gap {gap.id} names an action the risk does not have",
                        value=action_id,
                        expected="an action id of the same risk",
                        **where("gaps", None),
                    )


def _assemble(parts: dict[str, Any], problems: ProblemCollector, file: str) -> BafRegister:
    problems.raise_if_any(f"the BAF register in {file} is not valid")
    return BafRegister(**parts)


# --------------------------------------------------------------------------------------- YAML


def _plain(value: Any) -> Any:
    """Enums as their values and tuples as lists; dates stay dates (YAML writes them bare)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value


def register_to_mapping(register: BafRegister) -> dict[str, Any]:
    """The register as plain data (what the YAML file holds); defaults left out."""
    data: dict[str, Any] = _plain(register.model_dump(mode="python", exclude_none=True))
    for risk in data["risks"]:
        for action in risk.get("actions", []):
            action.pop("baf_risk_id", None)
        for key in (
            "controls",
            "gaps",
            "assurances",
            "actions",
            "history",
            "key_metrics",
            "crr",
            "withhold",
        ):
            if not risk.get(key):
                risk.pop(key, None)
        if risk.get("publish", True):
            risk.pop("publish", None)
        for gap in risk.get("gaps", []):
            if not gap.get("action_ids"):
                gap.pop("action_ids", None)
    return data


def _yaml_locator(file: str, prefix: str) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    def locate(loc: tuple[Any, ...]) -> dict[str, Any]:
        path = prefix
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        return {"file": file, "column": path or None}

    return locate


def register_from_mapping(
    data: Any, *, file: str = "<register>", catalogue_ids: Collection[str] | None = None
) -> BafRegister:
    """Build a register from plain data (parsed YAML), collecting every problem found."""
    problems = ProblemCollector()
    if not isinstance(data, dict):
        problems.add(
            ErrorCode.BAF_FILE,
            "the register must be a mapping with a 'risks' list",
            file=file,
            expected="keys such as objectives, appetite, risks",
        )
        problems.raise_if_any(f"the BAF register in {file} is not valid")
    known = set(BafRegister.model_fields)
    for key in data:
        if key not in known:
            problems.add(
                ErrorCode.BAF_VALUE,
                "unknown key at the top of the register",
                file=file,
                column=str(key),
                expected="one of " + ", ".join(sorted(known)),
            )
    parts: dict[str, Any] = {"trust_name": data.get("trust_name")}
    for key, model in (("scoring", ScoringScheme), ("appetite", AppetiteScale)):
        if data.get(key) is not None:
            parts[key] = _validate(model, data[key], problems, _yaml_locator(file, key))
    if parts.get("appetite") is None:
        parts.pop("appetite", None)
    if parts.get("scoring") is None:
        parts.pop("scoring", None)
    if "public_groups" in data:
        groups = []
        listed = data["public_groups"] or ()
        if isinstance(listed, str):
            listed = [part.strip() for part in listed.split(",") if part.strip()]
        for value in listed:
            try:
                groups.append(FieldGroup(value))
            except ValueError:
                problems.add(
                    ErrorCode.BAF_VALUE,
                    "unknown field group",
                    file=file,
                    column="public_groups",
                    value=value,
                    expected="one of " + ", ".join(g.value for g in FieldGroup),
                )
        parts["public_groups"] = tuple(groups)
    objectives = []
    for index, item in enumerate(data.get("objectives") or ()):
        found = _validate(
            StrategicObjective, item, problems, _yaml_locator(file, f"objectives[{index}]")
        )
        if found is not None:
            objectives.append(found)
    parts["objectives"] = tuple(objectives)
    scale = parts.get("appetite") or BafRegister().appetite
    risks: list[tuple[BafRisk, Callable[[str, int | None], dict[str, Any]]]] = []
    for index, item in enumerate(data.get("risks") or ()):
        label = f"risks[{index}]"
        if isinstance(item, dict) and item.get("id"):
            label = f"risks[{index}:{item['id']}]"
        if not isinstance(item, dict):
            problems.add(
                ErrorCode.BAF_VALUE, "each risk must be a mapping", file=file, column=label
            )
            continue
        risk = _validate(BafRisk, item, problems, _yaml_locator(file, label))
        if risk is not None:

            def where(field: str, at: int | None, _label: str = label) -> dict[str, Any]:
                return {
                    "file": file,
                    "column": f"{_label}.{field}" + (f"[{at}]" if at is not None else ""),
                }

            risks.append((risk, where))
    _cross_check({**parts, "appetite": scale}, risks, catalogue_ids, problems)
    parts["risks"] = tuple(r for r, _ in risks)
    return _assemble(parts, problems, file)


def read_register_yaml(
    path: str | Path, *, catalogue_ids: Collection[str] | None = None
) -> BafRegister:
    """Read a register from a YAML file (see ``docs/baf.md`` for the layout)."""
    source = Path(path)
    try:
        data, _node = parse_bounded_yaml(source.read_text(encoding="utf-8"), str(source))
    except FileNotFoundError:
        raise _file_error(source, "file not found") from None
    except yaml.YAMLError as exc:
        raise _file_error(source, f"not valid YAML: {exc}") from exc
    return register_from_mapping(data, file=str(source), catalogue_ids=catalogue_ids)


def write_register_yaml(register: BafRegister, path: str | Path) -> Path:
    """Write ``register`` as YAML; reading it back gives an equal register."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.dump(
        register_to_mapping(register),
        Dumper=_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    target.write_text(text, encoding="utf-8")
    return target


def _file_error(path: Path, message: str) -> DataValidationError:
    problems = ProblemCollector()
    problems.add(
        ErrorCode.BAF_FILE,
        message,
        file=str(path),
        expected="a readable BAF register (.yaml or .xlsx)",
    )
    return DataValidationError(f"cannot read {path}", problems.problems)


# -------------------------------------------------------------------------------------- Excel

_DATE_TEXT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00:00(?:\.0+)?)?$")


def _cell(value: Any) -> Any:
    """A spreadsheet cell as pydantic should see it (blank → None, whole floats → int)."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        if m := _DATE_TEXT.match(value):
            return m.group(1)
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _score(row: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    lk, cq = row.get(f"{prefix}likelihood"), row.get(f"{prefix}consequence")
    if lk is None and cq is None:
        return None
    return {"likelihood": lk, "consequence": cq}


def _risk_input(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k in BafRisk.model_fields and v is not None}
    for part in ("inherent", "current", "target"):
        score = _score(row, f"{part}_")
        if score is not None:
            out[part] = score
    if "publish" in out and isinstance(out["publish"], str):
        out["publish"] = out["publish"].lower() in ("true", "yes", "y", "1")
    return out


def _child_input(sheet: str, row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if v is not None and k != "risk_id"}
    if sheet == "history":
        out = {k: v for k, v in out.items() if not k.startswith(("current_", "target_"))}
        out["current"] = _score(row, "current_")
        target = _score(row, "target_")
        if target is not None:
            out["target"] = target
    elif sheet == "crr":
        out = {k: v for k, v in out.items() if k not in ("likelihood", "consequence")}
        out["score"] = _score(row, "")
    elif sheet == "actions":
        out["baf_risk_id"] = row.get("risk_id")
    return out


def _column_of(sheet: str, loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if not parts:
        return None
    if sheet == "crr" and parts[0] == "score":
        parts = parts[1:]
    return (
        "_".join(parts)
        if parts[0] in ("inherent", "current", "target")
        else (parts[0] if len(parts) == 1 else "_".join(parts))
    )


def _read_sheets(source: Path) -> dict[str, list[dict[str, Any]]]:
    if not source.is_file():
        raise _file_error(source, "file not found")
    try:
        # the one reader every import uses: bounded before calamine allocates, error cells and
        # formulas without results refused, every cell as text (types are checked per field,
        # so a stray word in a number column is reported on its row)
        tables = read_tables(source)
    except DataValidationError as exc:
        if exc.problems:
            raise DataValidationError(
                f"cannot read {source}", exc.problems, code=exc.code
            ) from None
        raise _file_error(source, f"could not be read as a workbook: {exc.message}") from None
    sheets: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        if table.sheet is None:
            raise _file_error(source, "a BAF register is a workbook (.xlsx), not a single table")
        headers = [str(h).strip() for h in table.columns]
        rows = [
            {headers[i]: _cell(v) for i, v in enumerate(row) if headers[i]}
            for row in table.frame.iter_rows()
        ]
        name = table.sheet.strip().lower()
        sheets[name] = [r for r in rows if any(v is not None for v in r.values())]
        sheets[f"__columns__{name}"] = [{h: None for h in headers if h}]
    return sheets


def read_register_excel(
    path: str | Path, *, catalogue_ids: Collection[str] | None = None
) -> BafRegister:
    """Read a register from the workbook layout written by :func:`write_register_excel`."""
    source = Path(path)
    file = str(source)
    sheets = _read_sheets(source)
    problems = ProblemCollector()
    for name in _REQUIRED_SHEETS:
        if name not in sheets:
            problems.add(
                ErrorCode.BAF_SHEET,
                f"the workbook has no '{name}' sheet",
                file=file,
                sheet=name,
                expected="sheets " + ", ".join(SHEET_COLUMNS),
            )
    for name, columns in SHEET_COLUMNS.items():
        present = set(sheets.get(f"__columns__{name}", [{}])[0])
        if name not in sheets:
            continue
        for column in columns:
            required = column in ("id", "risk_id", "name", "key", "metric_id") or (
                name == "risks" and column in ("title", "current_likelihood", "current_consequence")
            )
            if required and column not in present:
                problems.add(
                    ErrorCode.BAF_SHEET,
                    f"sheet '{name}' has no '{column}' column",
                    file=file,
                    sheet=name,
                    column=column,
                    expected=", ".join(columns),
                )
    problems.raise_if_any(f"the BAF register in {file} is not valid")

    def locator(sheet: str, row: int) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
        return lambda loc: {
            "file": file,
            "sheet": sheet,
            "row": row,
            "column": _column_of(sheet, loc),
        }

    settings = {str(r["key"]): r.get("value") for r in sheets.get("settings", []) if r.get("key")}
    parts: dict[str, Any] = {"trust_name": settings.get("trust_name")}
    scoring: dict[str, Any] = {}
    labels_l = [settings.get(f"likelihood_{i}") for i in range(1, 6)]
    labels_c = [settings.get(f"consequence_{i}") for i in range(1, 6)]
    if any(labels_l):
        scoring["likelihood_labels"] = labels_l
    if any(labels_c):
        scoring["consequence_labels"] = labels_c
    if settings.get("escalation_threshold") is not None:
        scoring["escalation_threshold"] = settings["escalation_threshold"]
    bands = []
    for index, row in enumerate(sheets.get("bands", []), start=2):
        band = _validate(GradingBand, row, problems, locator("bands", index))
        if band is not None:
            bands.append(band)
    if bands:
        scoring["bands"] = bands
    if scoring:
        parts["scoring"] = _validate(
            ScoringScheme,
            scoring,
            problems,
            lambda loc: {
                "file": file,
                "sheet": "bands" if loc and loc[0] == "bands" else "settings",
            },
        )
    levels = []
    for index, row in enumerate(sheets.get("appetite", []), start=2):
        level = _validate(AppetiteLevel, row, problems, locator("appetite", index))
        if level is not None:
            levels.append(level)
    if levels:
        parts["appetite"] = _validate(
            AppetiteScale,
            {"levels": levels, "categories": settings.get("appetite_categories")},
            problems,
            lambda loc: {"file": file, "sheet": "appetite"},
        )
    if settings.get("public_groups") is not None or "public_groups" in settings:
        parts["public_groups"] = _field_groups(settings.get("public_groups"), problems, file)
    objectives = []
    for index, row in enumerate(sheets.get("objectives", []), start=2):
        objective = _validate(StrategicObjective, row, problems, locator("objectives", index))
        if objective is not None:
            objectives.append(objective)
    parts["objectives"] = tuple(objectives)
    for key in ("scoring", "appetite"):
        if key in parts and parts[key] is None:
            parts.pop(key)

    risk_rows = {row.get("id"): index for index, row in enumerate(sheets.get("risks", []), start=2)}
    children: dict[str, dict[str, list[Any]]] = {str(rid): {} for rid in risk_rows if rid}
    child_rows: dict[tuple[str, str], list[int]] = {}
    for sheet in (*_CHILD_MODELS, "key_metrics"):
        for index, row in enumerate(sheets.get(sheet, []), start=2):
            risk_id = row.get("risk_id")
            if risk_id is None or str(risk_id) not in children:
                problems.add(
                    ErrorCode.BAF_UNKNOWN_RISK,
                    "row names a risk that is not on the 'risks' sheet",
                    file=file,
                    sheet=sheet,
                    row=index,
                    column="risk_id",
                    value=risk_id,
                    expected="an id from the 'risks' sheet",
                )
                continue
            risk_id = str(risk_id)
            child_rows.setdefault((risk_id, sheet), []).append(index)
            if sheet == "key_metrics":
                if row.get("metric_id") is None:
                    problems.add(
                        ErrorCode.BAF_MISSING,
                        "value missing",
                        file=file,
                        sheet=sheet,
                        row=index,
                        column="metric_id",
                        expected="a metric id",
                    )
                    continue
                children[risk_id].setdefault("key_metrics", []).append(str(row["metric_id"]))
                continue
            item = _validate(
                _CHILD_MODELS[sheet], _child_input(sheet, row), problems, locator(sheet, index)
            )
            if item is not None:
                children[risk_id].setdefault(_CHILD_FIELD[sheet], []).append(item)

    risks: list[tuple[BafRisk, Callable[[str, int | None], dict[str, Any]]]] = []
    for index, row in enumerate(sheets.get("risks", []), start=2):
        data = _risk_input(row)
        risk_id = str(row.get("id")) if row.get("id") is not None else None
        data.update(children.get(risk_id or "", {}))
        if "history" in data:
            data["history"] = sorted(data["history"], key=lambda e: e.date)
        risk = _validate(BafRisk, data, problems, locator("risks", index))
        if risk is not None:

            def where(
                field: str, at: int | None, _id: str = risk.id, _row: int = index
            ) -> dict[str, Any]:
                if field == "key_metrics" and at is not None:
                    return {
                        "file": file,
                        "sheet": "key_metrics",
                        "row": child_rows[(_id, "key_metrics")][at],
                        "column": "metric_id",
                    }
                if field == "gaps":
                    return {"file": file, "sheet": "gaps", "column": "action_ids"}
                if field == "actions":
                    return {"file": file, "sheet": "actions", "column": "id"}
                return {"file": file, "sheet": "risks", "row": _row, "column": field}

            risks.append((risk, where))
    _cross_check(
        {**parts, "appetite": parts.get("appetite") or BafRegister().appetite},
        risks,
        catalogue_ids,
        problems,
    )
    parts["risks"] = tuple(r for r, _ in risks)
    return _assemble(parts, problems, file)


def _field_groups(value: Any, problems: ProblemCollector, file: str) -> tuple[FieldGroup, ...]:
    groups = []
    for part in str(value or "").split(","):
        if part.strip():
            try:
                groups.append(FieldGroup(part.strip()))
            except ValueError:
                problems.add(
                    ErrorCode.BAF_VALUE,
                    "unknown field group",
                    file=file,
                    sheet="settings",
                    column="public_groups",
                    value=part.strip(),
                    expected="one of " + ", ".join(g.value for g in FieldGroup),
                )
    return tuple(groups)


def _join(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _register_rows(register: BafRegister) -> dict[str, list[dict[str, Any]]]:
    """One row per item, keyed by sheet name."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in SHEET_COLUMNS}
    for risk in register.risks:
        row: dict[str, Any] = {
            "id": risk.id,
            "title": risk.title,
            "objectives": _join(risk.objectives),
            "cause": risk.cause,
            "event": risk.event,
            "effect": risk.effect,
            "executive_lead": risk.executive_lead,
            "lead_committee": risk.lead_committee,
            "target_date": risk.target_date,
            "appetite_category": risk.appetite_category,
            "appetite_level": risk.appetite_level,
            "next_review": risk.next_review,
            "publish": risk.publish,
            "withhold": _join(g.value for g in risk.withhold),
        }
        for part in ("inherent", "current", "target"):
            score = getattr(risk, part)
            row[f"{part}_likelihood"] = score.likelihood if score else None
            row[f"{part}_consequence"] = score.consequence if score else None
            row[f"{part}_rationale"] = getattr(risk, f"{part}_rationale")
        rows["risks"].append(row)
        rows["controls"] += [{"risk_id": risk.id, **c.model_dump()} for c in risk.controls]
        rows["assurances"] += [
            {"risk_id": risk.id, **a.model_dump(mode="json"), "date": a.date}
            for a in risk.assurances
        ]
        rows["gaps"] += [
            {
                "risk_id": risk.id,
                "id": g.id,
                "kind": g.kind.value,
                "description": g.description,
                "action_ids": _join(g.action_ids),
            }
            for g in risk.gaps
        ]
        for action in risk.actions:
            data = action.model_dump()
            data.pop("baf_risk_id")
            data["status"] = action.status.value
            rows["actions"].append({"risk_id": risk.id, **data})
        for entry in risk.history:
            rows["history"].append(
                {
                    "risk_id": risk.id,
                    "date": entry.date,
                    "rationale": entry.rationale,
                    "reviewer": entry.reviewer,
                    "committee": entry.committee,
                    "current_likelihood": entry.current.likelihood,
                    "current_consequence": entry.current.consequence,
                    "target_likelihood": entry.target.likelihood if entry.target else None,
                    "target_consequence": entry.target.consequence if entry.target else None,
                }
            )
        rows["key_metrics"] += [{"risk_id": risk.id, "metric_id": m} for m in risk.key_metrics]
        rows["crr"] += [
            {
                "risk_id": risk.id,
                "id": c.id,
                "title": c.title,
                "likelihood": c.score.likelihood,
                "consequence": c.score.consequence,
                "owner": c.owner,
            }
            for c in risk.crr
        ]
    rows["appetite"] = [lvl.model_dump() for lvl in register.appetite.levels]
    rows["objectives"] = [o.model_dump() for o in register.objectives]
    rows["bands"] = [b.model_dump() for b in register.scoring.bands]
    settings: list[tuple[str, Any]] = [("trust_name", register.trust_name)]
    settings += [
        (f"likelihood_{i}", label) for i, label in enumerate(register.scoring.likelihood_labels, 1)
    ]
    settings += [
        (f"consequence_{i}", label)
        for i, label in enumerate(register.scoring.consequence_labels, 1)
    ]
    settings += [
        ("escalation_threshold", register.scoring.escalation_threshold),
        ("appetite_categories", _join(register.appetite.categories)),
        ("public_groups", _join(g.value for g in register.public_groups)),
    ]
    rows["settings"] = [{"key": k, "value": v} for k, v in settings]
    return rows


def write_register_excel(register: BafRegister, path: str | Path) -> Path:
    """Write ``register`` as a workbook, one sheet per kind of item and one row per item."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(
        str(target), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    header = workbook.add_format({"bold": True, "bg_color": "#DDE6F0", "border": 1})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    try:
        for name, rows in _register_rows(register).items():
            sheet = workbook.add_worksheet(name)
            columns = SHEET_COLUMNS[name]
            sheet.write_row(0, 0, columns, header)
            sheet.freeze_panes(1, 0)
            for r, row in enumerate(rows, start=1):
                for c, column in enumerate(columns):
                    value = row.get(column)
                    if value is None or value == "":
                        continue
                    if isinstance(value, date):
                        sheet.write_datetime(
                            r, c, datetime(value.year, value.month, value.day), day
                        )
                    elif isinstance(value, bool):
                        sheet.write_boolean(r, c, value)
                    elif isinstance(value, (int, float)):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, str(value))
            for c, column in enumerate(columns):
                width = max([len(column)] + [len(str(row.get(column) or "")) for row in rows[:200]])
                sheet.set_column(c, c, min(60, max(10, width + 2)))
    finally:
        workbook.close()
    return target


# ------------------------------------------------------------------------------------ by suffix


def read_register(path: str | Path, *, catalogue_ids: Collection[str] | None = None) -> BafRegister:
    """Read a register from ``.yaml``/``.yml`` or ``.xlsx``, chosen by the file's suffix."""
    source = Path(path)
    suffix = source.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return read_register_yaml(source, catalogue_ids=catalogue_ids)
    if suffix in (".xlsx", ".xlsm"):
        return read_register_excel(source, catalogue_ids=catalogue_ids)
    raise _file_error(source, f"unsupported file type '{suffix or '(none)'}'")


def write_register(register: BafRegister, path: str | Path) -> Path:
    """Write ``register`` as ``.yaml``/``.yml`` or ``.xlsx``, chosen by the file's suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return write_register_yaml(register, target)
    if suffix == ".xlsx":
        return write_register_excel(register, target)
    raise _file_error(target, f"cannot write a '{suffix or '(none)'}' register; use .yaml or .xlsx")
