"""Detect a text file's encoding from its bytes: UTF-8 (with or without BOM), UTF-16, GB18030."""
from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import TextIO

SAMPLE_BYTES = 1 << 20


def detect_encoding(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4:
        return "utf-16-le"
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4:
        return "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 3:  # a character cut by the sample's end
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # undecodable bytes are replaced; the records they spoil get quarantined


def open_text(path: Path, newline: str | None = None) -> TextIO:
    """Open for streaming with the detected encoding; undecodable bytes become U+FFFD."""
    return io.open(path, encoding=detect_encoding(path), errors="replace", newline=newline)


def read_head(path: Path, chars: int = 65536) -> str:
    """The first characters of the file, decoded, for format sniffing."""
    with open_text(path) as handle:
        return handle.read(chars)
