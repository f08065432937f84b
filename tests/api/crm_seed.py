"""A small store written by the store functions the nightly flow uses: members, a theme, member tags."""
from datetime import UTC, datetime, timedelta

from flows.sources import MessageRecord
from models import store
from nlp.layers import MemberLayer
from nlp.records import MemberTag
from nlp.records import Theme as FoundTheme
from nlp.track import Activity

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def night(sessions, community: str, tags: dict[str, dict[str, float]], theme: str | None = None,
          layers: dict[str, str] | None = None, session=None) -> tuple[int, list[int]]:
    """One night of a community: each member of ``tags`` says something (ingested once), then the
    members' taxonomy tags (tag -> score) and ``layers`` (member -> layer) replace the stored ones,
    with an optional theme all of them voice. Returns the run id and the saved theme ids. With
    ``session``, nothing is committed."""
    if session is None:
        with sessions.begin() as session:
            return night(sessions, community, tags, theme, layers, session)
    ingester = store.Ingester(session, community)
    ingester.add([MessageRecord("群", m, f"{m}的昵称", T0 + timedelta(minutes=i), f"{m}想要低因咖啡", f"{community}:{m}")
                  for i, m in enumerate(tags)])
    found = store.community_by_name(session, community)
    ids = {m.member: m.id for m in store.messages_of(session, found)}
    run = store.start_run(session, found, {})
    themes = [FoundTheme(label=theme, keywords=[theme], message_ids=list(ids.values()), member_ids=list(ids),
                         quotes=list(ids.values())[:1], sentiment=0.0, first_seen=T0, last_seen=T0,
                         scores=[1.0] * len(ids), demand_share=1.0, demand_type="need")] if theme else []
    theme_ids = store.save_themes(session, run, themes, [None] * len(themes),
                                  [Activity("new", False, 1, 0, 1, 0)] * len(themes))
    store.save_member_tags(session, run, [MemberTag(m, tag, "taxonomy", score, [ids[m]], group="咖啡")
                                          for m, scores in tags.items() for tag, score in scores.items()], theme_ids)
    store.save_member_layers(session, run, [MemberLayer(m, layer, [f"{layer} by design"], {})
                                            for m, layer in (layers or {}).items()])
    store.save_member_cards(session, found.id)  # as the nightly flow's save does
    store.finish_run(session, run, "lsa", {}, [])
    return run.id, theme_ids
