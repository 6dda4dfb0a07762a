"""One way to read a YAML document within the reader limits, for every reader of YAML.

Its size, its aliases and its size once the aliases are expanded are checked before any Python
object is built, so a small "billion laughs" document is refused (``TB-FILE-LIMIT``) instead of
filling the memory; the limits are :func:`trustboard.domain.limits.current_limits`.
"""

from __future__ import annotations

from typing import Any

import yaml

from trustboard.domain.limits import current_limits
from trustboard.errors import DataValidationError, ErrorCode, Problem

__all__ = ["parse_bounded_yaml", "yaml_limit_error"]


class _Loader(yaml.SafeLoader):
    """The safe loader, except that an impossible date (2024-13-01) stays text, and aliases
    are counted (see :func:`parse_bounded_yaml`).

    PyYAML raises on such a date and stops reading the file; kept as text, it reaches the
    model's validation and is reported at its field like any other bad date.
    """

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        """Compose one node, counting the aliases met."""
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
        return super().compose_node(parent, index)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        """A date or datetime, or the text itself when it is not a real date."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def yaml_limit_error(label: str, what: str, name: str, limit: int) -> DataValidationError:
    return DataValidationError(
        f"{what}; the limit is {limit:,} ({name} in the configuration, see docs/security.md)",
        [Problem(ErrorCode.FILE_LIMIT, what, file=label, expected=f"at most {limit:,}")],
        code=ErrorCode.FILE_LIMIT,
    )


def _expanded_size(node: yaml.Node, memo: dict[int, int], budget: int) -> int:
    """Nodes in ``node`` once every alias is expanded (stops counting past ``budget``)."""
    known = memo.get(id(node))
    if known is not None:
        return known
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded_size(key, memo, budget) + _expanded_size(value, memo, budget)
            if total > budget:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, memo, budget)
            if total > budget:
                break
    memo[id(node)] = total
    return total


def parse_bounded_yaml(source: str, label: str) -> tuple[Any, yaml.Node | None]:
    """Parse one YAML document within the reader limits: its size, its aliases and its size
    once the aliases are expanded are checked before any Python object is built, so a small
    "billion laughs" document is refused (``TB-FILE-LIMIT``) instead of filling the memory.

    Raises ``yaml.YAMLError`` for a syntax error.
    """
    limits = current_limits()
    size = len(source.encode("utf-8"))
    if size > limits.max_yaml_bytes:
        raise yaml_limit_error(
            label, f"the YAML document is {size:,} bytes", "max_yaml_bytes", limits.max_yaml_bytes
        )
    loader = _Loader(source)
    try:
        try:
            node = loader.get_single_node()
            if loader.aliases > limits.max_yaml_aliases:
                raise yaml_limit_error(
                    label,
                    f"the YAML document has {loader.aliases:,} aliases",
                    "max_yaml_aliases",
                    limits.max_yaml_aliases,
                )
            if node is not None:
                nodes = _expanded_size(node, {}, limits.max_yaml_nodes)
                if nodes > limits.max_yaml_nodes:
                    raise yaml_limit_error(
                        label,
                        "the YAML document expands (through its aliases) to more than "
                        f"{limits.max_yaml_nodes:,} values",
                        "max_yaml_nodes",
                        limits.max_yaml_nodes,
                    )
            data = loader.construct_document(node) if node is not None else None
        except RecursionError:
            raise DataValidationError(
                "the YAML document is nested too deeply to read",
                [
                    Problem(
                        ErrorCode.FILE_LIMIT, "the YAML document is nested too deeply", file=label
                    )
                ],
                code=ErrorCode.FILE_LIMIT,
            ) from None
    finally:
        loader.dispose()
    return data, node
