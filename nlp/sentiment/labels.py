"""Binary polarity labels as people write them (1/0, pos/neg, Positive/Negative, 正面/负面) -> 1/0."""
from __future__ import annotations

import numbers
from collections.abc import Iterable

POSITIVE_NAMES = frozenset({"1", "pos", "positive", "正面", "积极", "正向", "好评"})
NEGATIVE_NAMES = frozenset({"0", "neg", "negative", "负面", "消极", "负向", "差评"})


def polarity_label(label: object) -> int | None:
    """1 for a positive label, 0 for a negative one, None when the label is not recognised.

    Accepted: 1/0 (int, float 1.0/0.0, bool, or the strings "1"/"0"), pos/neg, positive/negative
    (any case, surrounding spaces ignored), 正面/负面, 积极/消极, 正向/负向, 好评/差评.
    """
    if isinstance(label, bool):
        return int(label)
    if isinstance(label, numbers.Real):  # int, float, numpy numbers
        return int(label) if label in (0, 1) else None
    if isinstance(label, str):
        name = label.strip().lower()
        if name in ("1.0", "0.0"):
            name = name[0]
        if name in POSITIVE_NAMES:
            return 1
        if name in NEGATIVE_NAMES:
            return 0
    return None


def normalize_labels(labels: Iterable[object]) -> list[int]:
    """Map every label to 1 (positive) or 0 (negative); raise ValueError naming unknown ones."""
    out: list[int] = []
    unknown: dict[str, int] = {}
    for position, label in enumerate(labels):
        value = polarity_label(label)
        if value is None:
            unknown.setdefault(repr(label), position)
            out.append(-1)
        else:
            out.append(value)
    if unknown:
        shown = ", ".join(f"{name} (row {row})" for name, row in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValueError(
            f"unknown sentiment label(s): {shown}{more}. Use 1/0, pos/neg, positive/negative or 正面/负面."
        )
    return out
