"""Store functions: every read and write of the tables goes through here (no SQL elsewhere)."""
from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby, islice
from operator import attrgetter
from sys import intern

import numpy as np
from sqlalchemy import (JSON, Connection, Row, String, Table, and_, any_, bindparam, delete, func, or_, select, text,
                        update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.orm import Session

from models import cards
from models.tables import (Community, Embedding, Group, Member, MemberAlias, MemberTag, Message, Quarantine, Run, Theme,
                           ThemeMessage)
from models.tables import ApiKey, MemberCard, MemberLayer, Order, TagChange
from nlp import layers as value_layers
from nlp.records import ChatMessage  # the plain record the nightly flow's stages read
from nlp.track import PastTheme, keep_subtheme_keys

THEME_TYPES = ("text", "quote")  # message types whose text may voice a demand


def utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def now() -> datetime:
    return datetime.now(UTC)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last one shorter); itertools.batched from Python 3.12."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def insert_rows(session: Session, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``. PostgreSQL: by COPY (200k rows with a JSON
    column: 0.61 s, against 3.35 s by prepared inserts; docs/DESIGN.md, "Bulk rows go to PostgreSQL by COPY").
    What an insert would add and COPY does not is added here: the columns' Python-side defaults, and
    JSON for JSON columns (None as JSON null, as SQLAlchemy writes it)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(table.insert(), rows)
        return
    from psycopg.types.json import Json

    given = list(rows[0])
    defaults = {column.name: column.default.arg for column in table.columns
                if column.name not in given and column.default is not None and column.default.is_scalar}
    json = [isinstance(table.columns[name].type, JSON) for name in given]
    session.flush()  # rows of the session's own objects, which these may reference, go first
    statement = f"COPY {table.name} ({', '.join(given + list(defaults))}) FROM STDIN"
    with session.connection().connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Json(row[name]) if is_json else row[name] for name, is_json in zip(given, json)]
                           + list(defaults.values()))


class StoredKeys:
    """Which of a batch's keys one community's rows of a table already hold, batch after batch of an
    import that stores them in one transaction (messages by source key, orders by order key).

    On PostgreSQL the table's statistics are read again each time the rows this import stored double.
    Its rows are its own transaction's, which autovacuum cannot see; taking the table for empty, the
    planner compared every stored row of the community with every key, so a batch took longer the more
    had been stored (100k messages: 114 of an ingest's 125 s; 100k orders: 135 s). ANALYZE counts the
    transaction's own rows, and the planner then looks keys up in the unique index. Its lock is held to
    the end of the transaction, so an import running beside another skips it (SKIP_LOCKED) rather than
    wait for the other to finish."""

    analyze_from = 10_000  # rows stored before the statistics are first read

    def __init__(self, session: Session, key, community_key, community_id: int):
        self.session, self.key, self.community_key, self.community_id = session, key, community_key, community_id
        self.analyzed = 0  # rows the import had stored when the statistics were last read

    def __call__(self, keys: Sequence[str], stored: int) -> set[str]:
        """The stored ones among ``keys``; ``stored``: rows the import has stored so far."""
        if stored >= max(2 * self.analyzed, self.analyze_from) and self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text(f"ANALYZE (SKIP_LOCKED) {self.key.table.name}"))
            self.analyzed = stored
        return set(self.session.scalars(select(self.key).where(self.community_key == self.community_id,
                                                               self.key.in_(keys))))


# --- writing: ingest -----------------------------------------------------------------

@dataclass
class IngestCounts:
    messages: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    types: Counter = field(default_factory=Counter)  # message type -> records read


def community_by_name(session: Session, name: str, create: bool = False) -> Community | None:
    community = session.scalar(select(Community).where(Community.name == name))
    if community is None and create:
        community = Community(name=name, created_at=now())
        session.add(community)
        session.flush()
    return community


class Ingester:
    """Adds message records to one community, idempotently (keyed by source_key)."""

    def __init__(self, session: Session, community: str, batch_size: int = 1000):
        self.session, self.batch_size = session, batch_size
        self.community = community_by_name(session, community, create=True)
        self.groups = {g.name: g.id for g in session.scalars(select(Group).where(Group.community_id == self.community.id))}
        self.members = {m.sender_id: m for m in session.scalars(select(Member).where(Member.community_id == self.community.id))}
        self.aliases: dict[tuple[int, str], MemberAlias] = {}
        self.aliases_read: set[int] = set()  # members whose stored names are in self.aliases
        self.counts = IngestCounts()
        self.stored_keys = StoredKeys(session, Message.source_key, Message.community_id, self.community.id)

    def add(self, records: Iterable) -> None:
        """Store the records not stored before; then the cards of the members they came from (message
        count, name, times), in this transaction."""
        touched: set[int] = set()
        for batch in batched(records, self.batch_size):
            touched |= self._add_batch(batch)
        if touched:
            save_member_cards(self.session, self.community.id, touched)

    def quarantine(self, file: str, line: int, reason: str) -> None:
        self.counts.quarantined += 1
        exists = self.session.scalar(select(Quarantine.id).where(
            Quarantine.community_id == self.community.id, Quarantine.file == file, Quarantine.line == line))
        if exists is None:
            self.session.add(Quarantine(community_id=self.community.id, file=file, line=line, reason=reason[:500],
                                        created_at=now()))

    def finish(self) -> IngestCounts:
        """Mark messages that a recall record of this community points at as recalled."""
        recalled = select(Message.recalls).where(Message.community_id == self.community.id,
                                                 Message.recalls.is_not(None)).scalar_subquery()
        self.session.execute(update(Message).where(and_(Message.community_id == self.community.id,
                                                        Message.source_key.in_(recalled), ~Message.recalled))
                             .values(recalled=True))
        return self.counts

    def _add_batch(self, batch: Sequence) -> set[int]:
        """Store a batch; returns the ids of the members of its new records."""
        self.counts.messages += len(batch)
        self.counts.types.update(r.msg_type for r in batch)
        known = self.stored_keys([r.source_key for r in batch], self.counts.new)
        fresh = []
        for record in batch:
            if record.source_key in known:
                self.counts.duplicates += 1
                continue
            known.add(record.source_key)
            fresh.append(record)
        self._add_members(fresh)
        self._load_aliases(fresh)
        rows = []
        for record in fresh:
            member = self._member(record)
            self._alias(member.id, record.sender_name, record.sent_at)
            rows.append(dict(community_id=self.community.id, group_id=self._group(record.group), member_id=member.id,
                             source_key=record.source_key, sender_name=record.sender_name, sent_at=record.sent_at,
                             text=record.text, msg_type=record.msg_type, reply_to=record.reply_to,
                             quote=record.quote, mentions=list(record.mentions) or None, recalls=record.recalls,
                             recalled=False, source_format=record.source_format, source_file=record.source_file))
        insert_rows(self.session, Message.__table__, rows)
        self.counts.new += len(rows)
        self.session.flush()
        return {row["member_id"] for row in rows}

    def _group(self, name: str) -> int:
        if name not in self.groups:
            group = Group(community_id=self.community.id, name=name)
            self.session.add(group)
            self.session.flush()
            self.groups[name] = group.id
        return self.groups[name]

    def _add_members(self, records: Sequence) -> None:
        """The batch's new members, in one flush: a round trip each was most of an ingest's time on PostgreSQL."""
        new: dict[str, Member] = {}
        for record in records:
            if record.sender_id not in self.members and record.sender_id not in new:
                new[record.sender_id] = Member(community_id=self.community.id, sender_id=record.sender_id,
                                               display_name=record.sender_name, first_seen=record.sent_at,
                                               last_seen=record.sent_at)
        if new:
            self.session.add_all(new.values())
            self.session.flush()
            self.members |= new

    def _load_aliases(self, records: Sequence) -> None:
        """The stored names of the batch's members not read yet, in one query (``_alias`` then needs none)."""
        unread = {self.members[r.sender_id].id for r in records} - self.aliases_read
        if unread:
            for alias in self.session.scalars(select(MemberAlias).where(MemberAlias.member_id.in_(unread))):
                self.aliases.setdefault((alias.member_id, alias.name), alias)
            self.aliases_read |= unread

    def _alias(self, member_id: int, name: str, seen: datetime) -> None:
        alias = self.aliases.get((member_id, name))
        if alias is None:
            alias = MemberAlias(member_id=member_id, name=name, first_seen=seen, last_seen=seen)
            self.session.add(alias)
            self.aliases[(member_id, name)] = alias
        alias.first_seen, alias.last_seen = min(utc(alias.first_seen), seen), max(utc(alias.last_seen), seen)

    def _member(self, record) -> Member:
        """The record's member (``_add_members`` made it), its first and last times and name brought up to date."""
        member = self.members[record.sender_id]
        if record.sent_at >= utc(member.last_seen):
            member.last_seen, member.display_name = record.sent_at, record.sender_name
        elif record.sent_at < utc(member.first_seen):
            member.first_seen = record.sent_at
        return member


# --- the nightly run -------------------------------------------------------------------

def messages_of(session: Session, community: Community) -> list[ChatMessage]:
    """The messages whose text may voice a demand: typed text or quote, not recalled."""
    rows = session.execute(
        select(Message.id, Member.sender_id, Group.name, Message.sent_at, Message.text, Member.staff)
        .join(Member, Member.id == Message.member_id).join(Group, Group.id == Message.group_id)
        .where(Message.community_id == community.id, Message.msg_type.in_(THEME_TYPES), ~Message.recalled)
        .order_by(Message.sent_at, Message.id)
    )
    # a group's name and a member's id repeat on every message they carry: one string each, not one per row
    return [ChatMessage(i, intern(member), intern(group), utc(sent), text, staff)
            for i, member, group, sent, text, staff in rows]


def start_run(session: Session, community: Community, parameters: dict) -> Run:
    """A new run record. Called with the community's run lock held (models/locks.py), so a run of the
    community still marked running is one whose process ended before it finished: it is marked failed."""
    session.execute(update(Run).where(Run.community_id == community.id, Run.status == "running").values(
        status="failed", finished_at=now(), warnings=["interrupted: its process ended before the run finished"]))
    run = Run(community_id=community.id, started_at=now(), status="running", parameters=parameters)
    session.add(run)
    session.flush()
    return run


def run_by_id(session: Session, run_id: int) -> Run:
    return session.get(Run, run_id)


def past_themes(session: Session, community_id: int) -> list[PastTheme]:
    """The community's active themes with their keywords and messages: what tonight's run matches."""
    themes = list(session.scalars(select(Theme).where(Theme.community_id == community_id, Theme.active)
                                  .order_by(Theme.id)))
    members: dict[int, list[int]] = {t.id: [] for t in themes}
    if themes:
        for theme_id, message_id in session.execute(select(ThemeMessage.theme_id, ThemeMessage.message_id)
                                                    .where(ThemeMessage.theme_id.in_(list(members)))):
            members[theme_id].append(message_id)
    return [PastTheme(t.id, list(t.keywords), members[t.id]) for t in themes]


def save_themes(session: Session, run: Run, themes: Sequence, past_ids: Sequence[int | None],
                activities: Sequence, min_demand_share: float = 0.0) -> list[int]:
    """Store this run's themes; a theme continuing a previous one (``past_ids``, from
    ``nlp.track.match_themes``) keeps its id. Active themes of the community that nothing
    continued are kept but marked inactive. Returns theme ids in the order of ``themes``."""
    previous = {t.id: t for t in session.scalars(select(Theme).where(Theme.community_id == run.community_id,
                                                                   Theme.active))}
    ids = []
    for theme, past_id, act in zip(themes, past_ids, activities, strict=True):
        row = previous.pop(past_id, None) if past_id is not None else None
        past_subthemes, past_messages = [], {}
        if row is not None:
            past_messages = dict(session.execute(select(ThemeMessage.message_id, ThemeMessage.subtheme)
                                                 .where(ThemeMessage.theme_id == row.id)).all())
            session.execute(delete(ThemeMessage).where(ThemeMessage.theme_id == row.id))
            row.runs_seen += 1
            past_subthemes = keyed_subthemes(row)
        else:
            row = Theme(community_id=run.community_id, runs_seen=1)
        row.run_id, row.active, row.label, row.keywords = run.id, True, theme.label, list(theme.keywords)
        row.quotes, row.sentiment, row.n_messages, row.n_members = list(theme.quotes), theme.sentiment, \
            len(theme.message_ids), theme.voices
        row.first_seen, row.last_seen, row.trend = theme.first_seen, theme.last_seen, [list(d) for d in theme.trend]
        row.demand_mix, row.demand_share, row.demand_type = dict(theme.demand_mix), theme.demand_share, \
            theme.demand_type
        row.sentiment_mix, row.negative_share = dict(theme.sentiment_mix), theme.sentiment_mix.get("negative", 0.0)
        row.is_demand = theme.demand_share >= min_demand_share
        row.lifecycle, row.emerging, row.growth = act.lifecycle, act.emerging, act.growth
        row.recent_voices, row.prior_voices = act.recent_voices, act.prior_voices
        subthemes = keep_subtheme_keys(past_subthemes, theme.subthemes, str(run.id), past_messages)
        row.subthemes = [{k: v for k, v in sub.items() if k != "message_ids"} for sub in subthemes]
        session.add(row)
        session.flush()
        part = {m: sub["key"] for sub in subthemes for m in sub.get("message_ids", ())}
        insert_rows(session, ThemeMessage.__table__, [
            dict(theme_id=row.id, message_id=m, score=s, subtheme=part.get(m))
            for m, s in zip(theme.message_ids, theme.scores)])
        ids.append(row.id)
    for stale in previous.values():
        stale.active = False
    session.flush()
    return ids


def keyed_subthemes(row: Theme) -> list[dict]:
    """A stored theme's sub-themes, each with its key (stored before keys existed: the run's id and its place)."""
    return [sub if "key" in sub else sub | {"key": f"{row.run_id}.{i + 1}"} for i, sub in enumerate(row.subthemes or [])]


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached_vectors(session: Session, model_id: str, hashes: Sequence[str], batch: int = 5000) -> dict:
    """text hash -> float32 vector, for the hashes this model has embedded before."""
    found = {}
    for start in range(0, len(hashes), batch):
        rows = session.execute(select(Embedding.text_hash, Embedding.vector).where(
            Embedding.model_id == model_id, Embedding.text_hash.in_(hashes[start:start + batch])))
        found.update((h, np.frombuffer(v, dtype="<f4")) for h, v in rows)
    return found


def save_vectors(session: Session, model_id: str, vectors: dict) -> None:
    rows = [dict(model_id=model_id, text_hash=h, vector=np.asarray(v, dtype="<f4").tobytes())
            for h, v in vectors.items()]
    for start in range(0, len(rows), 5000):
        insert_rows(session, Embedding.__table__, rows[start:start + 5000])


def save_member_tags(session: Session, run: Run, tags: Sequence, theme_ids: Sequence[int]) -> int:
    """Replace the community's member tags with this run's and record what changed in the tag change feed.
    A theme the product team hid tags no one: it is not an interest the brand serves.

    The community's row is locked first, so that runs of one community save one after the other: each
    compares with the tags the one before committed, and feed ids grow in commit order (a reader
    paging by id never misses a change committed late under a smaller id). PostgreSQL: FOR NO KEY
    UPDATE, which the key-share locks of foreign-key checks (rows inserted referencing the community)
    do not block; SQLite has one writer at a time anyway."""
    lock_community(session, run.community_id)
    hidden = set(session.scalars(select(Theme.id).where(Theme.id.in_(list(theme_ids)), Theme.hidden)))
    tags = [t for t in tags if t.theme_index is None or theme_ids[t.theme_index] not in hidden]
    member_ids = dict(session.execute(select(Member.sender_id, Member.id).where(Member.community_id == run.community_id)).all())
    before = _tag_scores(session.execute(
        select(MemberTag.member_id, MemberTag.kind, MemberTag.tag, MemberTag.tag_group, MemberTag.feed_score)
        .join(Member, Member.id == MemberTag.member_id).where(Member.community_id == run.community_id)))
    session.execute(delete(MemberTag).where(MemberTag.member_id.in_(
        select(Member.id).where(Member.community_id == run.community_id))))
    rows = [dict(member_id=member_ids[t.member], run_id=run.id, kind=t.kind, tag=t.tag, score=t.score,
                 theme_id=theme_ids[t.theme_index] if t.theme_index is not None else None, evidence=list(t.evidence),
                 tag_group=t.group, base_score=t.base_score, first_evidence=t.first_evidence,
                 last_evidence=t.last_evidence)
            for t in tags]
    after = _tag_scores((r["member_id"], r["kind"], r["tag"], r["tag_group"], r["score"]) for r in rows)
    changes, reported = tag_changes(before, after)
    for row in rows:
        row["feed_score"] = reported[row["member_id"], row["kind"], row["tag"]]
    insert_rows(session, MemberTag.__table__, rows)
    insert_rows(session, TagChange.__table__, [
        dict(community_id=run.community_id, run_id=run.id, changed_at=now(), **change) for change in changes])
    return len({r["member_id"] for r in rows})


def lock_community(session: Session, community_id: int) -> None:
    """Hold the community's row until commit (FOR NO KEY UPDATE; see ``save_member_tags``)."""
    session.execute(select(Community.id).where(Community.id == community_id).with_for_update(key_share=True))


SCORE_STEP = 0.05  # the feed reports a tag's score again once it moved this much from the score last reported


def _tag_scores(rows: Iterable) -> dict[tuple[int, str, str], tuple[float, str | None]]:
    """(member id, kind, tag) -> (score, group); a member's two themes of one label count as one tag."""
    scores: dict = {}
    for member_id, kind, tag, group, score in rows:
        key = (member_id, kind, tag)
        if key not in scores or (score or 0.0) > scores[key][0]:
            scores[key] = (score or 0.0, group)
    return scores


def tag_changes(before: dict, after: dict) -> tuple[list[dict], dict]:
    """The feed rows from the tags last reported (``before``: key -> (reported score, group)) to this
    run's (``after``: key -> (score, group)), by member, kind and tag; and key -> the score now reported."""
    changes, reported = [], {}
    for key in sorted(before.keys() | after.keys()):
        member_id, kind, tag = key
        old, new = before.get(key), after.get(key)
        change = dict(member_id=member_id, kind=kind, tag=tag, tag_group=(new or old)[1],
                      score=new[0] if new else None, previous_score=old[0] if old else None)
        if old is None:
            changes.append(change | {"change": "added"})
        elif new is None:
            changes.append(change | {"change": "removed"})
        elif abs(new[0] - old[0]) >= SCORE_STEP - 1e-9:
            changes.append(change | {"change": "changed"})
        else:
            reported[key] = old[0]
            continue
        if new is not None:
            reported[key] = new[0]
    return changes, reported


def finish_run(session: Session, run: Run, embedder: str, counts: dict, warnings: list[str], status: str = "ok") -> Run:
    run.finished_at, run.status, run.embedder = now(), status, embedder
    run.counts, run.warnings = counts, warnings
    run.duration_s = round((run.finished_at - utc(run.started_at)).total_seconds(), 3)
    session.flush()
    return run


# --- reading: API and CLI --------------------------------------------------------------

def list_communities(session: Session) -> list[tuple[Community, int, int, Run | None]]:
    """Each community with its message count, member count and latest finished run."""
    result = []
    for community in session.scalars(select(Community).order_by(Community.name)):
        messages = session.scalar(select(func.count()).where(Message.community_id == community.id))
        members = session.scalar(select(func.count()).where(Member.community_id == community.id))
        result.append((community, messages, members, latest_run(session, community.id)))
    return result


def latest_run(session: Session, community_id: int) -> Run | None:
    return session.scalar(select(Run).where(Run.community_id == community_id, Run.status == "ok")
                          .order_by(Run.id.desc()).limit(1))


def finished_runs(session: Session, community_id: int) -> int:
    return session.scalar(select(func.count()).where(Run.community_id == community_id, Run.status == "ok"))


SENTIMENT_BANDS = {"negative": (None, -0.1), "neutral": (-0.1, 0.1), "positive": (0.1, None)}  # mean sentiment
THEME_SORTS = {
    "voices": (Theme.n_members.desc(), Theme.n_messages.desc()),
    "growth": (Theme.growth.desc(), Theme.recent_voices.desc()),
    "negativity": (Theme.negative_share.desc(), Theme.sentiment),
    "recent": (Theme.last_seen.desc(),),
}


@dataclass(frozen=True)
class ThemeFilter:
    """What ``/v1/themes`` and ``qunsheng themes`` may ask for; None means any."""

    community_id: int | None = None
    group: str | None = None  # themes with at least one message in this group
    since: datetime | None = None  # themes with at least one message in [since, until]
    until: datetime | None = None
    lifecycle: str | None = None
    demand_type: str | None = None
    sentiment: str | None = None  # a key of SENTIMENT_BANDS
    emerging: bool | None = None
    include_chat: bool = False
    search: str | None = None  # themes whose label, or one of whose messages, holds every word of it
    hidden: bool = False  # True: only the themes the product team hid; False: only the others

    def __post_init__(self):
        # SQLite keeps UTC wall times without their zone and compares a bound by its own wall time, so a
        # bound in another zone goes to UTC first (else an Asia/Shanghai day would be read 8 hours late)
        for name in ("since", "until"):
            if (moment := getattr(self, name)) is not None:
                object.__setattr__(self, name, utc(moment).astimezone(UTC))

    @property
    def scoped(self) -> bool:
        """Whether it asks for a part of each theme's messages: a group's, or a time window's."""
        return self.group is not None or self.since is not None or self.until is not None


def search_terms(search: str | None) -> list[str]:
    """The words of a search, split at whitespace: a text matches when it holds each of them, in any case
    (a search for "粉底 持妆" asks for both)."""
    return (search or "").split()


def _says(column, term: str):
    return column.icontains(term, autoescape=True)  # % and _ in a term are plain characters


def _sent_within(where: ThemeFilter) -> list:
    """Conditions on a message joined with its group: sent in the filter's group and time window."""
    return ([Group.name == where.group] if where.group is not None else []) + \
        ([Message.sent_at >= where.since] if where.since is not None else []) + \
        ([Message.sent_at <= where.until] if where.until is not None else [])


def scoped_counts(where: ThemeFilter):
    """A subquery: per theme, its messages and distinct members in the filter's group and time window."""
    counted = (select(ThemeMessage.theme_id, func.count().label("messages"),
                      func.count(Message.member_id.distinct()).label("voices"))
               .join(Message, Message.id == ThemeMessage.message_id).where(*_sent_within(where)))
    if where.group is not None:  # from the group's row, so its messages are read by ix_messages_group_sent
        counted = counted.join(Group, Group.id == Message.group_id)
    if where.community_id is not None:
        in_community = Group.community_id if where.group is not None else Message.community_id
        counted = counted.where(in_community == where.community_id)
    return counted.group_by(ThemeMessage.theme_id).subquery()


def list_themes(session: Session, where: ThemeFilter = ThemeFilter(), sort: str = "voices", limit: int = 100,
                offset: int = 0) -> list[tuple[Theme, tuple[int, int] | None]]:
    """Active themes, each with its (messages, voices) in the filter's group and time window when it asks
    for one (None otherwise): then only themes voiced there are listed, and ``voices`` sorts by those."""
    sorts = THEME_SORTS[sort]
    if where.scoped:
        counts = scoped_counts(where)
        query = select(Theme, counts.c.messages, counts.c.voices).join(counts, counts.c.theme_id == Theme.id)
        if sort == "voices":
            sorts = (counts.c.voices.desc(), counts.c.messages.desc())
    else:
        query = select(Theme)
    query = query.where(Theme.active, Theme.hidden == where.hidden)
    if not where.include_chat:
        query = query.where(Theme.is_demand)
    if where.community_id is not None:
        query = query.where(Theme.community_id == where.community_id)
    if terms := search_terms(where.search):
        # the themes of the messages that say it, found once: asked theme by theme (EXISTS), PostgreSQL read
        # every message again for each theme (1M messages, 63 themes: 37 s for 粉底, now 0.4 s)
        said = (select(ThemeMessage.theme_id).join(Message, Message.id == ThemeMessage.message_id)
                .where(*(_says(Message.text, term) for term in terms)))
        if where.community_id is not None:
            said = said.where(Message.community_id == where.community_id)
        query = query.where(or_(and_(*(_says(Theme.label, term) for term in terms)), Theme.id.in_(said)))
    for column, value in ((Theme.lifecycle, where.lifecycle), (Theme.demand_type, where.demand_type),
                          (Theme.emerging, where.emerging)):
        if value is not None:
            query = query.where(column == value)
    if where.sentiment is not None:
        low, high = SENTIMENT_BANDS[where.sentiment]
        query = query.where(*([Theme.sentiment >= low] if low is not None else []),
                            *([Theme.sentiment < high] if high is not None else []))
    rows = session.execute(query.order_by(*sorts, Theme.id).limit(limit).offset(offset)).all()
    return [(row[0], (row[1], row[2]) if where.scoped else None) for row in rows]


def group_names(session: Session, community_id: int) -> list[str]:
    return list(session.scalars(select(Group.name).where(Group.community_id == community_id).order_by(Group.name)))


def get_theme(session: Session, theme_id: int) -> Theme | None:
    return session.get(Theme, theme_id)


def hide_theme(session: Session, theme: Theme, hidden: bool = True) -> bool:
    """Hide (or show again) a theme; whether that changed anything."""
    changed, theme.hidden = theme.hidden != hidden, hidden
    return changed


def theme_messages(session: Session, theme_id: int, limit: int | None, offset: int, search: str | None = None, *,
                   group: str | None = None, since: datetime | None = None, until: datetime | None = None,
                   subtheme: str | None = None, order: str = "time") -> tuple[int, list]:
    """(how many, a page oldest first) of the theme's messages; with ``search``, of those holding every word of it;
    with ``group``, ``since`` or ``until``, of those sent there and then; with ``subtheme`` (a key), of that
    sub-theme's. ``order`` "typical": the messages most like the theme first (by their score, the cosine to its
    centroid), so its core before the edge the outlier rule joined. Each row: id, sender id, name, group, time,
    text, score, sub-theme key."""
    where = ThemeFilter(search=search, group=group, since=since, until=until)  # bounds in UTC
    of_messages = [*(_says(Message.text, term) for term in search_terms(search)), *_sent_within(where)]
    which = [ThemeMessage.theme_id == theme_id, *of_messages,
             *([ThemeMessage.subtheme == subtheme] if subtheme is not None else [])]
    counted = select(func.count()).select_from(ThemeMessage).where(*which)
    if of_messages:  # a count by theme and sub-theme alone needs no message row
        counted = counted.join(Message, Message.id == ThemeMessage.message_id).join(Group, Group.id == Message.group_id)
    total = session.scalar(counted)
    rows = session.execute(
        select(Message.id, Member.sender_id, Message.sender_name, Group.name, Message.sent_at, Message.text,
               ThemeMessage.score, ThemeMessage.subtheme)
        .join(ThemeMessage, ThemeMessage.message_id == Message.id).join(Member, Member.id == Message.member_id)
        .join(Group, Group.id == Message.group_id).where(*which)
        .order_by(*((ThemeMessage.score.desc(),) if order == "typical" else ()), Message.sent_at, Message.id)
        .limit(limit).offset(offset)
    ).all()
    return total, rows


def theme_groups(session: Session, theme_id: int) -> list[tuple[str, int, int]]:
    """(group, messages, distinct members) of the theme's messages per group, most members first."""
    voices = func.count(Message.member_id.distinct())
    return [tuple(row) for row in session.execute(
        select(Group.name, func.count(), voices).join(Message, Message.group_id == Group.id)
        .join(ThemeMessage, ThemeMessage.message_id == Message.id).where(ThemeMessage.theme_id == theme_id)
        .group_by(Group.name).order_by(voices.desc(), Group.name))]


def theme_layers(session: Session, theme_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Each theme's voices per value layer (koc, high, potential, dormant), as the latest run layered them;
    members without a layer (staff, or layered before they wrote) are not counted."""
    voices = func.count(Message.member_id.distinct())
    found: dict[int, dict[str, int]] = {i: {} for i in theme_ids}
    for theme_id, layer, n in session.execute(
            select(ThemeMessage.theme_id, MemberLayer.layer, voices)
            .join(Message, Message.id == ThemeMessage.message_id)
            .join(MemberLayer, MemberLayer.member_id == Message.member_id)
            .where(ThemeMessage.theme_id.in_(list(theme_ids))).group_by(ThemeMessage.theme_id, MemberLayer.layer)):
        found[theme_id][layer] = n
    return found


def messages_by_id(session: Session, ids: Sequence[int]) -> dict[int, Message]:
    return {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(list(ids))))} if ids else {}


def members_by_sender(session: Session, sender_id: str, community_id: int | None = None) -> list[Member]:
    query = select(Member).where(Member.sender_id == sender_id)
    if community_id is not None:
        query = query.where(Member.community_id == community_id)
    return list(session.scalars(query))


# What a member card shows: the member with their message count and layer (a row each) and their tags
# (strongest first within a kind).
CARD_MEMBERS = (
    select(Member.id, Member.sender_id, Member.display_name, Member.first_seen, Member.last_seen, Member.staff,
           select(func.count()).where(Message.member_id == Member.id).scalar_subquery().label("messages"),
           MemberLayer.layer, MemberLayer.reasons, MemberLayer.metrics, MemberLayer.run_id.label("layer_run_id"))
    .outerjoin(MemberLayer, MemberLayer.member_id == Member.id).order_by(Member.id))
CARD_TAGS = (select(MemberTag.member_id, MemberTag.tag, MemberTag.kind, MemberTag.theme_id, MemberTag.score,
                    MemberTag.evidence, MemberTag.tag_group, MemberTag.base_score, MemberTag.first_evidence,
                    MemberTag.last_evidence)
             .order_by(MemberTag.member_id, MemberTag.kind.desc(), MemberTag.score.desc(), MemberTag.tag, MemberTag.id))


def member_card_rows(connection: Connection, community_id: int, member_ids: Iterable[int] | None = None,
                     sender_id: str | None = None) -> Iterator[tuple[Row, list[Row]]]:
    """Each member's row of ``CARD_MEMBERS`` with their rows of ``CARD_TAGS``: of the community's members with
    these ids (all without: read in one pass), or of the one with this sender id."""
    members = CARD_MEMBERS.where(Member.community_id == community_id)
    tags = CARD_TAGS.join(Member, Member.id == MemberTag.member_id).where(Member.community_id == community_id)
    if sender_id is not None:
        batches = [(members.where(Member.sender_id == sender_id), tags.where(Member.sender_id == sender_id))]
    elif member_ids is None:
        batches = [(members, tags)]
    else:
        batches = [(members.where(Member.id.in_(ids)), tags.where(Member.id.in_(ids)))
                   for ids in batched(sorted(member_ids), 1000)]
    streamed = {"yield_per": 1000} if sender_id is None else {}  # (PostgreSQL: server-side, in a transaction)
    for members_query, tags_query in batches:  # both by member id: merged
        tag_groups = groupby(connection.execute(tags_query.execution_options(**streamed)), key=attrgetter("member_id"))
        next_tags = next(tag_groups, None)
        for member in connection.execute(members_query.execution_options(**streamed)):
            own = []
            if next_tags is not None and next_tags[0] == member.id:
                own, next_tags = list(next_tags[1]), next(tag_groups, None)
            yield member, own


def members_named(session: Session, community_id: int, sender_ids: Iterable[str]) -> list[Member]:
    """The community's members with these sender ids (those it has), by sender id."""
    ids = sorted(set(sender_ids))
    return [m for chunk in batched(ids, 1000) for m in session.scalars(
        select(Member).where(Member.community_id == community_id, Member.sender_id.in_(chunk)).order_by(Member.sender_id))]


def set_staff(session: Session, community_id: int, members: Sequence[Member], staff: bool = True) -> list[Member]:
    """Mark these members of the community as staff (or not) and store their cards again; returns those
    that changed."""
    changed = [m for m in members if m.staff != staff]
    for m in changed:
        m.staff = staff
    if changed:
        save_member_cards(session, community_id, [m.id for m in changed])
    return changed


def staff_members(session: Session, community_id: int) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.community_id == community_id, Member.staff)
                                .order_by(Member.sender_id)))


def save_member_cards(session: Session, community_id: int, member_ids: Iterable[int] | None = None) -> int:
    """Render and store the cards of the community's members with these ids (all without) from what the
    session has written; call it in the transaction that changed what they show. Returns cards written.

    The community's row is locked first (see ``save_member_tags``): a run and an ingest of one community
    then write cards one after the other, the later reading what the earlier committed."""
    session.flush()
    lock_community(session, community_id)
    community, written = session.get(Community, community_id).name, 0
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name](MemberCard)
    upsert = insert.on_conflict_do_update(index_elements=["community_id", "sender_id"],
                                          set_={"body": insert.excluded.body, "etag": insert.excluded.etag})
    for members in batched(member_card_rows(session.connection(), community_id, member_ids), 1000):
        rendered = []
        for member, tags in members:
            body, etag = cards.render(cards.card_of(member, tags, community))
            rendered.append(dict(community_id=community_id, sender_id=member.sender_id, body=body, etag=etag))
        session.execute(upsert, rendered)
        written += len(rendered)
    return written


MEMBER_CARD = select(MemberCard.body, MemberCard.etag).where(MemberCard.community_id == bindparam("community_id"),
                                                             MemberCard.sender_id == bindparam("sender_id"))
_compiled_card: dict[str, tuple[str, tuple[str, ...] | None]] = {}


def _member_card_sql(dialect) -> tuple[str, tuple[str, ...] | None]:
    """``MEMBER_CARD`` compiled for the dialect, once: (SQL, parameter names in order for a positional driver)."""
    if dialect.name not in _compiled_card:
        compiled = MEMBER_CARD.compile(dialect=dialect)
        _compiled_card[dialect.name] = (compiled.string, compiled.positiontup if dialect.positional else None)
    return _compiled_card[dialect.name]


def member_card(connection: Connection, community_id: int, sender_id: str) -> tuple[bytes, str] | None:
    """A member's stored card (JSON body, ETag); None when the community has no such card.

    The CRM's hottest read: run on the DBAPI cursor, without SQLAlchemy's per-call work (a third of the
    route's time when it was a join)."""
    sql, order = _member_card_sql(connection.dialect)
    params = {"community_id": community_id, "sender_id": sender_id}
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, tuple(params[name] for name in order) if order else params)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return (bytes(row[0]), row[1]) if row is not None else None


# The cards of many members of a community at once (PostgreSQL): what the API's batched reader asks.
MEMBER_CARDS_OF = select(MemberCard.sender_id, MemberCard.body, MemberCard.etag).where(
    MemberCard.community_id == bindparam("community_id"),
    MemberCard.sender_id == any_(bindparam("sender_ids", type_=postgresql.ARRAY(String))))
_MEMBER_CARDS_OF_SQL = MEMBER_CARDS_OF.compile(dialect=PGDialect_psycopg()).string


async def member_cards_async(connection, community_id: int, sender_ids: list[str]) -> dict[str, tuple[bytes, str]]:
    """Sender id -> stored card (JSON body, ETag) of those of these members that have one, on a psycopg
    ``AsyncConnection`` (PostgreSQL)."""
    cursor = await connection.execute(_MEMBER_CARDS_OF_SQL, {"community_id": community_id, "sender_ids": sender_ids})
    return {sender_id: (body, etag) for sender_id, body, etag in await cursor.fetchall()}


def add_run_warning(session: Session, run_id: int, warning: str) -> None:
    run = session.get(Run, run_id)
    run.warnings = [*run.warnings, warning]


def mark_failed(session: Session, run_id: int, reason: str) -> None:
    session.execute(update(Run).where(Run.id == run_id).values(status="failed", finished_at=now(), warnings=[reason]))


# --- members: activity, orders, value layers ----------------------------------------------

NOT_ACTIVITY = ("system", "recall", "join", "leave")  # message types no member chose to send
SYSTEM_SENDER = "system"


def activity_of(session: Session, community: Community) -> tuple[list[value_layers.Post], dict, dict[str, str]]:
    """Every member-sent message (any type, not recalled) as ``nlp.layers.Post``; each member's
    first-seen time; and display names -> sender ids (to resolve @mentions). Staff are no members here."""
    rows = session.execute(
        select(Message.id, Member.sender_id, Group.name, Message.sent_at, Message.source_key, Message.reply_to,
               Message.mentions, Message.text)
        .join(Member, Member.id == Message.member_id).join(Group, Group.id == Message.group_id)
        .where(Message.community_id == community.id, Message.msg_type.not_in(NOT_ACTIVITY), ~Message.recalled,
               Member.sender_id != SYSTEM_SENDER, ~Member.staff)
        .order_by(Message.sent_at, Message.id))
    posts = [value_layers.Post(i, member, group, utc(sent), key, reply_to, tuple(mentions or ()), text or "")
             for i, member, group, sent, key, reply_to, mentions, text in rows]
    members = {sender: utc(first) for sender, first in session.execute(
        select(Member.sender_id, Member.first_seen).where(Member.community_id == community.id,
                                                          Member.sender_id != SYSTEM_SENDER, ~Member.staff))}
    names = {name: sender for name, sender in session.execute(
        select(MemberAlias.name, Member.sender_id).join(Member, Member.id == MemberAlias.member_id)
        .where(Member.community_id == community.id).order_by(MemberAlias.last_seen))}
    return posts, members, names


def add_orders(session: Session, community: Community, records: Iterable) -> tuple[int, int]:
    """Store order records (``order_key``, ``member``, ``ordered_at``, ``amount``, ``source_file``)
    once each; returns (new, duplicates)."""
    new = duplicates = 0
    stored_keys = StoredKeys(session, Order.order_key, Order.community_id, community.id)
    for batch in batched(records, 1000):
        known = stored_keys([r.order_key for r in batch], new)
        rows = []
        for record in batch:
            if record.order_key in known:
                duplicates += 1
                continue
            known.add(record.order_key)
            rows.append(dict(community_id=community.id, order_key=record.order_key, sender_id=record.member,
                             ordered_at=record.ordered_at, amount=record.amount, source_file=record.source_file))
        insert_rows(session, Order.__table__, rows)
        new += len(rows)
    session.flush()
    return new, duplicates


def quarantine_row(session: Session, community: Community, file: str, line: int, reason: str) -> None:
    """Keep an input row that could not be read, with its reason (once per file and line)."""
    exists = session.scalar(select(Quarantine.id).where(Quarantine.community_id == community.id,
                                                        Quarantine.file == file, Quarantine.line == line))
    if exists is None:
        session.add(Quarantine(community_id=community.id, file=file, line=line, reason=reason[:500], created_at=now()))


def orders_of(session: Session, community: Community) -> list[value_layers.Order]:
    rows = session.execute(select(Order.sender_id, Order.ordered_at, Order.amount)
                           .where(Order.community_id == community.id).order_by(Order.ordered_at, Order.id))
    return [value_layers.Order(member, utc(at), amount) for member, at, amount in rows]


def save_member_layers(session: Session, run: Run, layers: Sequence[value_layers.MemberLayer]) -> dict[str, int]:
    """Replace the community's member layers with this run's; returns members per layer."""
    member_ids = dict(session.execute(select(Member.sender_id, Member.id)
                                      .where(Member.community_id == run.community_id)).all())
    session.execute(delete(MemberLayer).where(MemberLayer.community_id == run.community_id))
    rows = [dict(member_id=member_ids[m.member], community_id=run.community_id, run_id=run.id, layer=m.layer,
                 reasons=list(m.reasons), metrics=dict(m.metrics)) for m in layers if m.member in member_ids]
    insert_rows(session, MemberLayer.__table__, rows)
    return dict(Counter(r["layer"] for r in rows))


def members_in_layer(session: Session, layer: str | None = None, community_id: int | None = None,
                     limit: int = 1000, offset: int = 0) -> list[tuple[Member, MemberLayer, str]]:
    """Layered members with their layer and community name, by community then sender id."""
    query = (select(Member, MemberLayer, Community.name).join(MemberLayer, MemberLayer.member_id == Member.id)
             .join(Community, Community.id == Member.community_id))
    if layer is not None:
        query = query.where(MemberLayer.layer == layer)
    if community_id is not None:
        query = query.where(Member.community_id == community_id)
    rows = session.execute(query.order_by(Community.name, Member.sender_id).limit(limit).offset(offset)).all()
    return [tuple(row) for row in rows]


# --- CRM: API keys, member pages, the tag change feed -------------------------------------------

def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_api_key(session: Session, community: Community, name: str = "") -> tuple[ApiKey, str]:
    """A new key to the community's data: returns the row and the key itself, which is not stored."""
    key = "qs_" + secrets.token_urlsafe(32)  # 256 random bits
    row = ApiKey(community_id=community.id, key_hash=hash_key(key), prefix=key[:10], name=name, created_at=now())
    session.add(row)
    session.flush()
    return row, key


def api_keys(session: Session, community_id: int | None = None) -> list[tuple[ApiKey, str]]:
    """Keys with their community's name, oldest first."""
    query = select(ApiKey, Community.name).join(Community, Community.id == ApiKey.community_id)
    if community_id is not None:
        query = query.where(ApiKey.community_id == community_id)
    return [tuple(row) for row in session.execute(query.order_by(ApiKey.id))]


def revoke_api_key(session: Session, key_id: int) -> ApiKey | None:
    row = session.get(ApiKey, key_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()
        session.flush()
    return row


def key_community(session: Session, key_hash: str) -> tuple[int, str] | None:
    """The (id, name) of the community a live key opens, by the key's hash."""
    row = session.execute(select(Community.id, Community.name).join(ApiKey, ApiKey.community_id == Community.id)
                          .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))).first()
    return (row.id, row.name) if row is not None else None


def member_page(session: Session, community_id: int, after: int = 0, limit: int = 100, layer: str | None = None,
                tag: str | None = None) -> list[tuple[Member, str | None]]:
    """Members (not the system sender) with their layer, by member id after ``after``: a stable key,
    so paging skips and repeats nobody while members are added or updated between pages."""
    query = (select(Member, MemberLayer.layer).outerjoin(MemberLayer, MemberLayer.member_id == Member.id)
             .where(Member.community_id == community_id, Member.id > after, Member.sender_id != SYSTEM_SENDER))
    if layer is not None:
        query = query.where(MemberLayer.layer == layer)
    if tag is not None:
        query = query.where(select(MemberTag.id).where(MemberTag.member_id == Member.id, MemberTag.tag == tag).exists())
    return [tuple(row) for row in session.execute(query.order_by(Member.id).limit(limit))]


def tags_of_members(session: Session, member_ids: Sequence[int]) -> dict[int, list[MemberTag]]:
    """Member id -> tags, strongest first."""
    found: dict[int, list[MemberTag]] = {i: [] for i in member_ids}
    if member_ids:
        for tag in session.scalars(select(MemberTag).where(MemberTag.member_id.in_(list(member_ids)))
                                   .order_by(MemberTag.score.desc(), MemberTag.kind.desc(), MemberTag.tag)):
            found[tag.member_id].append(tag)
    return found


def changes_after(session: Session, community_id: int, after: int = 0,
                  limit: int = 1000) -> list[tuple[TagChange, str]]:
    """The community's tag changes with the member's sender id, by id after ``after``."""
    return [tuple(row) for row in session.execute(
        select(TagChange, Member.sender_id).join(Member, Member.id == TagChange.member_id)
        .where(TagChange.community_id == community_id, TagChange.id > after).order_by(TagChange.id).limit(limit))]
