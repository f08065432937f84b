"""Read export files into the store: every record once, bad records quarantined with a reason."""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.sources import (FORMAT_MODULES, MessageRecord, ParseOptions, Reject, detect_format, get_format,
                           names_format)
from flows.sources.encoding import read_head
from models import store
from nlp.clean import redact

FORMATS = tuple(FORMAT_MODULES)


class IngestError(Exception):
    """Input that cannot be ingested at all (the CLI prints it as one line)."""


def expand(paths: Sequence[Path]) -> tuple[list[Path], bool]:
    """Files to read, and whether any came from a folder (where unrecognised files are skipped)."""
    files, from_folder = [], False
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            from_folder = True
        elif path.is_file():
            files.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder")
    if not files:
        raise IngestError("no files found in " + ", ".join(map(str, paths)))
    return files, from_folder


def names_files(files: Sequence[Path], fmt: str) -> dict[Path, str]:
    """The files that name groups and members (WeCom's group files, PyWxDump's users.json), with their
    format; with ``fmt`` other than auto, only that format's."""
    found = {path: names_format(read_head(path)) for path in files}
    return {path: name for path, name in found.items() if name and fmt in ("auto", name)}


def ingest_files(session: Session, paths: Sequence[Path], community: str, fmt: str = "auto",
                 timezone: str = "Asia/Shanghai", on_record: Callable[[], None] | None = None,
                 on_file: Callable[[Path, int, int], None] | None = None) -> dict:
    """Ingest files into ``community``; returns the counts the CLI prints."""
    if fmt != "auto" and fmt not in FORMATS:
        raise IngestError(f"unknown format {fmt!r}; choose auto, {', '.join(FORMATS)}")
    files, from_folder = expand(paths)
    options = ParseOptions(timezone=ZoneInfo(timezone))
    ingester = store.Ingester(session, community)
    names = names_files(files, fmt)
    for path, name in names.items():  # first, so that they name the groups and members of every message file
        importlib.import_module(FORMAT_MODULES[name]).read_names(path, options)
    read, skipped = len(names), []
    for number, path in enumerate(files, start=1):
        if on_file:
            on_file(path, number, len(files))
        if path in names:
            continue
        name = detect_format(path) if fmt == "auto" else fmt
        if name is None:
            if from_folder:
                skipped.append(str(path))
            else:
                ingester.quarantine(str(path), 0, "format not recognised; pass --format")
            continue
        read += 1
        ingester.add(accepted(get_format(name).parse(path, options), ingester, on_record))
    counts = ingester.finish()
    staff = store.set_staff(session, ingester.community.id,  # the corp's own people, as WeCom's group files say
                            store.members_named(session, ingester.community.id, options.corp_members))
    if counts.messages == 0:
        raise IngestError(f"nothing could be read ({counts.quarantined} record(s) quarantined"
                          + (f", {len(skipped)} file(s) of no known format" if skipped else "") + ")")
    return {"files": read, "messages": counts.messages + counts.quarantined, "new": counts.new,
            "duplicates": counts.duplicates, "quarantined": counts.quarantined,
            "types": dict(sorted(counts.types.items())), "skipped": skipped, "staff": sorted(m.sender_id for m in staff)}


def accepted(items: Iterator[MessageRecord | Reject], ingester: store.Ingester,
             on_record: Callable[[], None] | None) -> Iterator[MessageRecord]:
    """Records with personal data redacted; rejects go to quarantine."""
    for item in items:
        if on_record:
            on_record()
        if isinstance(item, Reject):
            ingester.quarantine(item.file, item.line, item.reason)
        else:
            yield replace(item, text=redact(item.text), quote=redact(item.quote) if item.quote else item.quote)
