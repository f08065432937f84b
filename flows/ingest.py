"""Read export files into the store: every record once, bad rows quarantined with a reason."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.sources import MessageRecord, Reject
from flows.sources.tabular import READERS
from models.store import IngestCounts, Ingester
from nlp.clean import redact

FORMATS = tuple(READERS)


class IngestError(Exception):
    """Input that cannot be ingested at all (the CLI prints it as one line)."""


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if suffix in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if suffix in ("csv", "tsv", "txt"):
        return "csv"
    raise IngestError(f"{path}: cannot tell the format from the name; pass --format ({', '.join(FORMATS)})")


def expand(paths: Sequence[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".jsonl", ".ndjson"))
        elif path.is_file():
            files.append(path)
        else:
            raise IngestError(f"{path}: no such file or folder")
    if not files:
        raise IngestError("no export files found in " + ", ".join(map(str, paths)))
    return files


def ingest_files(session: Session, paths: Sequence[Path], community: str, fmt: str = "auto",
                 timezone: str = "Asia/Shanghai", on_record: Callable[[], None] | None = None) -> dict:
    """Ingest files into ``community``; returns the counts the CLI prints."""
    if fmt != "auto" and fmt not in READERS:
        raise IngestError(f"unknown format {fmt!r}; choose auto, {', '.join(FORMATS)}")
    files = expand(paths)
    ingester = Ingester(session, community)
    tz = ZoneInfo(timezone)
    for path in files:
        reader = READERS[detect_format(path) if fmt == "auto" else fmt]
        ingester.add(_accepted(reader(path, tz), ingester, on_record, path))
    counts: IngestCounts = ingester.counts
    if counts.messages == 0:
        raise IngestError(f"nothing could be read ({counts.quarantined} record(s) quarantined)")
    return {"files": len(files), "messages": counts.messages + counts.quarantined, "new": counts.new,
            "duplicates": counts.duplicates, "quarantined": counts.quarantined}


def _accepted(items, ingester: Ingester, on_record, path: Path):
    """Records with personal data redacted; rejects go to quarantine, a broken file becomes one reject."""
    try:
        for item in items:
            if on_record:
                on_record()
            if isinstance(item, Reject):
                ingester.quarantine(item.file, item.line, item.reason)
            else:
                yield MessageRecord(item.group, item.sender_id, item.sender_name, item.sent_at, redact(item.text),
                                    item.source_key)
    except (UnicodeDecodeError, OSError) as error:
        ingester.quarantine(str(path), 0, f"file could not be read: {error}")
