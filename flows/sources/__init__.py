"""Export-format parsers, one module per family, and detection of a file's format by content.

Each module defines ``FORMATS: dict[str, Format]`` (see records.py). Names files carry no messages
but name groups and members: WeCom's group files (groupchat/get JSON) and PyWxDump's users.json.
The modules in ``NAMES_MODULES`` define ``is_names_file(head)`` and ``read_names(path, options)``,
which ingest calls before the message files are parsed.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from flows.sources.encoding import read_head
from flows.sources.records import Format, MessageRecord, ParseOptions, Reject, derived_key

# Detection order: specific formats first, the generic column-mapped CSV / JSON lines last.
FORMAT_MODULES = {
    "wecom": "flows.sources.wecom",
    "telegram": "flows.sources.telegram",
    "memotrace": "flows.sources.memotrace",
    "pywxdump": "flows.sources.pywxdump",
    "qq": "flows.sources.qq",
    "whatsapp": "flows.sources.whatsapp",
    "jsonl": "flows.sources.tabular",
    "csv": "flows.sources.tabular",
}


#: the formats whose exports come with names files
NAMES_MODULES = ("wecom", "pywxdump")


def names_format(head: str) -> str | None:
    """The format whose names file ``head`` begins, or None."""
    return next((name for name in NAMES_MODULES
                 if importlib.import_module(FORMAT_MODULES[name]).is_names_file(head)), None)


def get_format(name: str) -> Format:
    return importlib.import_module(FORMAT_MODULES[name]).FORMATS[name]


def available_formats() -> list[str]:
    names = []
    for name, module in FORMAT_MODULES.items():
        try:
            importlib.import_module(module)
            names.append(name)
        except ModuleNotFoundError:
            continue
    return names


def detect_format(path: Path) -> str | None:
    """The first format whose sniff accepts the file's head, or None."""
    head = read_head(path)
    for name in available_formats():
        if get_format(name).sniff(head):
            return name
    return None


__all__ = ["Format", "MessageRecord", "ParseOptions", "Reject", "derived_key", "detect_format", "get_format",
           "available_formats", "FORMAT_MODULES"]
