"""The morning digest: after a nightly run, its new and emerging demand themes posted to a 企业微信 (WeCom) group
robot, so the product team reads them where it already talks (``QUNSHENG_DIGEST_WEBHOOK``)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from models import store, views
from models.db import open_store
from models.schemas import ThemePublic

#: WeCom's limit on a markdown message's content, in UTF-8 bytes
MAX_BYTES = 4096
LISTED = 5  # themes a section lists
QUOTE_CHARS = 30


class DigestError(RuntimeError):
    """The robot did not take the digest (unreachable, an HTTP error, or an ``errcode`` in its answer)."""


def compose(session: Session, community: str, public_url: str | None = None) -> str:
    """The latest run's digest as WeCom markdown: what it found, the themes first found tonight, those whose
    voices grow fast, and the loudest; linked to the theme browser when ``public_url`` is given."""
    found = store.community_by_name(session, community)
    if found is None:
        raise views.NotFound(f"no community named {community!r}")
    run, base = store.latest_run(session, found.id), (public_url or "").rstrip("/")
    if run is None:
        raise views.NotFound(f"community {community!r} has no finished run yet: run `qunsheng run` first")
    finished = store.utc(run.finished_at).astimezone(ZoneInfo(run.parameters.get("timezone") or "UTC"))
    themes = views.themes(session, community, sort="voices", limit=500)
    first_night = store.finished_runs(session, found.id) == 1  # every theme is new then
    lines = [f"## 群声 · {community} 需求主题日报",
             f"<font color=\"comment\">第 {run.id} 次分析 · {finished:%Y-%m-%d %H:%M} · "
             f"{run.counts.get('content_messages', 0)} 条消息 · {len(themes)} 个需求主题</font>"]
    sections = [("新出现", [t for t in themes if t.runs_seen == 1] if not first_night else []),
                ("快速增长", [t for t in themes if t.emerging]),
                ("声量最高", themes)]
    quotes = views.quote_texts(session, list({t.id for _, listed in sections for t in listed[:LISTED]}))
    for title, listed in sections:
        if listed:
            lines += ["", f"**{title}** ({len(listed)})"]
            lines += [_line(t, quotes[t.id][:1], base) for t in listed[:LISTED]]
    if not themes:
        lines += ["", "这次分析没有找到需求主题。"]
    if base:
        lines += ["", f"[在主题浏览器中查看全部]({base}/?community={quote(community)})"]
    return _fit(lines)


def _line(theme: ThemePublic, quotes: list[str], base: str) -> str:
    """A theme as a quoted line: label (linked), voices, messages, growth when emerging, its first quote."""
    label = f"[{theme.label}]({base}/themes/{theme.id})" if base else theme.label
    growth = f" · 近期 {theme.recent_voices} 人，之前 {theme.prior_voices} 人" if theme.emerging else ""
    said = [" ".join(text.split()) for text in quotes]
    said = [text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…" for text in said]
    return f"> {label} · {theme.voices} 人 · {theme.messages} 条{growth}" + "".join(f"\n> “{s}”" for s in said)


def _fit(lines: list[str]) -> str:
    """The lines that fit WeCom's limit, whole; an ellipsis line where some were left out."""
    kept, size = [], 0
    for line in lines:
        if size + len(line.encode()) + 1 > MAX_BYTES - len("\n……".encode()):
            kept.append("……")
            break
        kept.append(line)
        size += len(line.encode()) + 1
    return "\n".join(kept)


def post(webhook: str, content: str, timeout: float = 10.0) -> None:
    """Send ``content`` as a markdown message to a WeCom group robot's webhook URL."""
    body = json.dumps({"msgtype": "markdown", "markdown": {"content": content}}, ensure_ascii=False).encode()
    request = urllib.request.Request(webhook, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = response.read()
    except urllib.error.HTTPError as error:
        raise DigestError(f"the digest robot answered HTTP {error.code}") from error
    except (urllib.error.URLError, OSError) as error:
        raise DigestError(f"cannot reach the digest robot: {getattr(error, 'reason', error)}") from error
    try:
        result = json.loads(answer or b"{}")
    except ValueError as error:
        raise DigestError("the digest robot's answer is not JSON") from error
    if result.get("errcode", 0) != 0:
        raise DigestError(f"the digest robot refused it: errcode {result['errcode']} {result.get('errmsg', '')}".strip())


def send(database_url: str, community: str, run_id: int, webhook: str, public_url: str | None = None) -> str | None:
    """Compose the community's digest and post it; a digest the robot did not take comes back as a warning,
    kept on the run's record too. The run itself stands: its themes are saved whether the robot answers or not."""
    sessions = open_store(database_url)
    with sessions() as session:
        content = compose(session, community, public_url)
    try:
        post(webhook, content)
    except DigestError as error:
        warning = f"digest not sent: {error}"
        with sessions.begin() as session:
            store.add_run_warning(session, run_id, warning)
        return warning
    return None
