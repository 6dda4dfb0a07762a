"""Cutting a frame into one block per value of a column (a document per metric)."""

from __future__ import annotations

import itertools

import polars as pl

__all__ = ["blocks"]


def blocks(frame: pl.DataFrame, column: str) -> list[tuple[str, pl.DataFrame]]:
    """The rows of each value of ``column``, in value order, each keeping the rows' order.

    When each value's rows already stand together (a refresh computes a metric in one call; a
    sorted frame) the blocks are slices of ``frame``, not copies; otherwise it is sorted first.
    """
    if frame.height == 0:
        return []
    runs = frame.get_column(column).rle()
    if runs.len() != frame.get_column(column).n_unique():
        frame = frame.sort(column, maintain_order=True)
        runs = frame.get_column(column).rle()
    lengths = runs.struct.field("len").to_list()
    names = runs.struct.field("value").to_list()
    offsets = [0, *itertools.accumulate(lengths)]
    parts = [
        (name, frame.slice(offset, length))
        for name, offset, length in zip(names, offsets, lengths, strict=False)
    ]
    return sorted(parts, key=lambda item: item[0])
