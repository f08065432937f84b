"""Read labelled text files for `qunsheng eval` and `qunsheng train`: CSV, TSV, JSON lines or a
JSON array, with the text and label columns named by the user."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from flows.sources.encoding import open_text


class DatasetError(Exception):
    """A labelled file that cannot be used (printed as one line)."""


def read_labelled(path: Path, text_col: str, label_col: str, limit: int | None = None) -> tuple[list[str], list[str]]:
    """Texts and labels (as strings), rows without either skipped; at most ``limit`` rows."""
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    rows = list(_rows(path, limit))
    if not rows:
        raise DatasetError(f"{path}: no rows")
    missing = [c for c in (text_col, label_col) if c not in rows[0]]
    if missing:
        raise DatasetError(f"{path}: no column {', '.join(map(repr, missing))}; columns are {', '.join(rows[0])}")
    pairs = [(str(r[text_col]), str(r[label_col])) for r in rows
             if r.get(text_col) not in (None, "") and r.get(label_col) not in (None, "")]
    if not pairs:
        raise DatasetError(f"{path}: no row has both {text_col!r} and {label_col!r}")
    texts, labels = zip(*pairs)
    return list(texts), list(labels)


def _rows(path: Path, limit: int | None):
    with open_text(path, newline="") as handle:
        head = handle.read(4096).lstrip("\ufeff")
        handle.seek(0)
        if head.lstrip().startswith(("{", "[")):
            yield from _json_rows(handle, head, limit)
            return
        delimiter = "\t" if path.suffix.lower() == ".tsv" or head.split("\n", 1)[0].count("\t") else ","
        reader = csv.DictReader((line.lstrip("\ufeff") if i == 0 else line for i, line in enumerate(handle)),
                                delimiter=delimiter)
        for number, row in enumerate(reader):
            if limit is not None and number >= limit:
                return
            yield row


def _json_rows(handle, head: str, limit: int | None):
    if head.lstrip().startswith("["):
        try:
            rows = json.load(handle)
        except ValueError as error:
            raise DatasetError(f"invalid JSON: {error}") from None
        yield from (r for r in rows[:limit] if isinstance(r, dict))
        return
    count = 0
    for line in handle:
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as error:
            raise DatasetError(f"invalid JSON line {count + 1}: {error}") from None
        if isinstance(row, dict):
            yield row
            count += 1
            if limit is not None and count >= limit:
                return
