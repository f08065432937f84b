"""Member cards: what ``GET /v1/members/{id}/tags`` answers (JSON body and ETag), rendered from the store's
rows. The writers of what a card shows store it rendered (``store.save_member_cards``), so the API reads a
blob by primary key; the route renders from the rows itself only for a store written before cards existed."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

from models.schemas import MemberTagsPublic


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def card_of(member: Sequence, tags: Sequence[Sequence], community: str) -> MemberTagsPublic:
    """A member's card from their row of ``store.CARD_MEMBERS`` and rows of ``store.CARD_TAGS``."""
    _, sender_id, display_name, first_seen, last_seen, staff, messages, layer, reasons, metrics, layer_run_id = member
    return MemberTagsPublic.model_validate(dict(
        member=sender_id, community=community, display_name=display_name, staff=staff, messages=messages,
        first_seen=_utc(first_seen), last_seen=_utc(last_seen),
        layer=dict(layer=layer, reasons=reasons, metrics=metrics, run_id=layer_run_id) if layer is not None else None,
        tags=[dict(tag=tag, kind=kind, theme_id=theme_id, score=score, evidence=evidence, group=group,
                   base_score=base_score, first_evidence=_utc(first), last_evidence=_utc(last))
              for _, tag, kind, theme_id, score, evidence, group, base_score, first, last in tags]))


def _utc(moment: datetime | None) -> datetime | None:
    """Times stored in SQLite come back naive: all are UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def render(card: MemberTagsPublic) -> tuple[bytes, str]:
    """The answer's body and ETag."""
    body = card.model_dump_json().encode()
    return body, etag_of(body)
