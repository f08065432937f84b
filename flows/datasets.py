"""Read labelled text files for `qunsheng eval` and `qunsheng train`: CSV, TSV, JSON lines or a
JSON array, with the text and label columns named by the user (or numbered from 0 in a CSV or TSV
file without a header row)."""
from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from flows.sources.encoding import open_text


class DatasetError(Exception):
    """A labelled file that cannot be used (printed as one line)."""


class Labelled(NamedTuple):
    texts: list[str]
    labels: list[str]
    rows: int  # rows read from the file
    unusable: int  # of them, rows without a text or a label
    numbered: bool  # columns named by number: a file without a header row, its first row read as data


def read_labelled(path: Path, text_col: str, label_col: str, limit: int | None = None, seed: int = 0) -> Labelled:
    """Texts and labels (as strings) of the rows that have both. With ``limit``, a seeded random
    draw of that many of those rows, in file order: labelled files are often sorted by label, so
    their first rows would hold one label only. The same file, limit and seed draw the same rows."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    layout: dict = {}
    rows = _rows(path, (text_col, label_col), layout)
    first = next(rows, None)
    if first is None:
        raise DatasetError(f"{path}: no rows")
    missing = [c for c in (text_col, label_col) if c not in first]
    if missing:
        hint = " (in a file without a header row, number them from 0)" if layout.get("delimited") else ""
        raise DatasetError(f"{path}: no column {', '.join(map(repr, missing))}; columns are "
                           f"{', '.join(map(str, first))}{hint}")
    pairs, read = [], 0
    for read, row in enumerate(itertools.chain([first], rows), start=1):
        text, label = row.get(text_col), row.get(label_col)
        if text not in (None, "") and label not in (None, ""):
            pairs.append((str(text), str(label)))
    if not pairs:
        raise DatasetError(f"{path}: no row has both {text_col!r} and {label_col!r}")
    unusable = read - len(pairs)
    if limit is not None and limit < len(pairs):
        chosen = np.sort(np.random.default_rng(seed).choice(len(pairs), limit, replace=False))
        pairs = [pairs[i] for i in chosen]
    texts, labels = zip(*pairs)
    return Labelled(list(texts), list(labels), read, unusable, layout.get("numbered", False))


def _rows(path: Path, columns: tuple[str, ...], layout: dict) -> Iterator[dict]:
    """The file's rows as dicts. ``layout`` learns how they were read: "delimited" (CSV or TSV, not
    JSON) and "numbered" (columns by number: no header row)."""
    with open_text(path, newline="") as handle:
        head = handle.read(4096).lstrip("\ufeff")
        handle.seek(0)
        if head.lstrip().startswith(("{", "[")):
            yield from _json_rows(handle, head)
            return
        layout["delimited"] = True
        delimiter = "\t" if path.suffix.lower() == ".tsv" or head.split("\n", 1)[0].count("\t") else ","
        reader = csv.reader((line.lstrip("\ufeff") if i == 0 else line for i, line in enumerate(handle)),
                            delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            return
        if not set(columns) <= set(header) and all(c.isdigit() for c in columns):  # no header row: by number
            names = [str(i) for i in range(max(len(header), *(int(c) + 1 for c in columns)))]
            reader, layout["numbered"] = itertools.chain([header], reader), True
        else:
            names = header
        for row in reader:
            yield dict(zip(names, row))


def _json_rows(handle, head: str) -> Iterator[dict]:
    if head.lstrip().startswith("["):
        try:
            rows = json.load(handle)
        except ValueError as error:
            raise DatasetError(f"invalid JSON: {error}") from None
        yield from (r for r in rows if isinstance(r, dict))
        return
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise DatasetError(f"invalid JSON line {number}: {error}") from None
        if isinstance(row, dict):
            yield row
