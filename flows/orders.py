"""Read an operator's orders CSV into the store: member id, time, amount (and an order id).

Columns (the first name listed is canonical, the others are accepted aliases):
  member_id  member_id, sender_id, wxid, user_id, userid, external_userid, 会员ID, 用户ID, 成员ID
  time       time, ordered_at, paid_at, created_at, order_time, date, datetime, 下单时间, 支付时间, 时间
  amount     amount, total, paid, price, 金额, 实付金额, 实付, 订单金额
  order_id   order_id, order_no, id, 订单号, 订单ID
member_id, time and amount are required. Without order_id a key is derived from the row, so
the same file twice adds nothing. Rows that cannot be read go to quarantine with a reason.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from flows.ingest import IngestError
from flows.sources.encoding import open_text
from flows.sources.records import KeyMaker, Reject
from flows.sources.tabular import parse_time
from models.store import add_orders, community_by_name, quarantine_row

COLUMNS = {
    "member_id": ("member_id", "sender_id", "wxid", "user_id", "userid", "external_userid", "会员ID", "用户ID",
                  "成员ID"),
    "time": ("time", "ordered_at", "paid_at", "created_at", "order_time", "date", "datetime", "下单时间", "支付时间",
             "时间"),
    "amount": ("amount", "total", "paid", "price", "金额", "实付金额", "实付", "订单金额"),
    "order_id": ("order_id", "order_no", "id", "订单号", "订单ID"),
}
REQUIRED = ("member_id", "time", "amount")
CURRENCY = ("¥", "￥", "元", "RMB", "CNY", ",", "，", " ")


@dataclass(frozen=True)
class OrderRecord:
    member: str
    ordered_at: datetime
    amount: float
    order_key: str
    source_file: str = ""


def parse_amount(value: str) -> float:
    text = str(value).strip()
    for mark in CURRENCY:
        text = text.replace(mark, "")
    try:
        amount = float(text)
    except ValueError:
        raise ValueError(f"unreadable amount {str(value)[:40]!r}") from None
    if not math.isfinite(amount):
        raise ValueError(f"unreadable amount {str(value)[:40]!r}")
    return round(amount, 2)


def read_orders(path: Path, timezone: ZoneInfo) -> Iterator[OrderRecord | Reject]:
    with open_text(path, newline="") as handle:
        reader = csv.DictReader(handle)
        lowered = {n.strip().lower().lstrip("\ufeff"): n for n in reader.fieldnames or [] if n}
        columns = {field: next((lowered[a.lower()] for a in aliases if a.lower() in lowered), None)
                   for field, aliases in COLUMNS.items()}
        absent = [f for f in REQUIRED if columns[f] is None]
        if absent:
            yield Reject(str(path), 1, f"header lacks column(s) {', '.join(absent)}")
            return
        keys, line = KeyMaker(), reader.line_num + 1
        for row in reader:
            try:
                yield order_record(row, columns, timezone, keys, path)
            except ValueError as error:
                yield Reject(str(path), line, str(error))
            line = reader.line_num + 1


def order_record(row: dict, columns: dict, timezone: ZoneInfo, keys: KeyMaker, path: Path) -> OrderRecord:
    if None in row:
        raise ValueError("more fields than the header")
    values = {f: (row.get(c) or "").strip() if c else "" for f, c in columns.items()}
    missing = [f for f in REQUIRED if not values[f]]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    try:
        ordered_at = parse_time(values["time"], timezone)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"unreadable time {values['time'][:40]!r}") from None
    amount = parse_amount(values["amount"])
    key = (f"order:{values['order_id']}" if values["order_id"]
           else keys.key("order", ordered_at, values["member_id"], f"{amount:.2f}"))
    return OrderRecord(values["member_id"], ordered_at, amount, key, path.name)


def ingest_orders(session: Session, path: Path, community: str, timezone: str = "Asia/Shanghai") -> dict:
    """Add the file's orders to ``community`` (created when new); returns the counts the CLI prints."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    found = community_by_name(session, community, create=True)
    rows, quarantined, amount = 0, 0, 0.0

    def accepted() -> Iterator[OrderRecord]:
        nonlocal rows, quarantined, amount
        for item in read_orders(path, ZoneInfo(timezone)):
            rows += 1
            if isinstance(item, Reject):
                quarantined += 1
                quarantine_row(session, found, item.file, item.line, item.reason)
            else:
                amount += item.amount
                yield item

    new, duplicates = add_orders(session, found, accepted())
    if rows == quarantined:
        raise IngestError(f"{path}: no order could be read ({quarantined} row(s) quarantined)")
    return {"file": str(path), "rows": rows, "new": new, "duplicates": duplicates, "quarantined": quarantined,
            "amount": round(amount, 2)}
