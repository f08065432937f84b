"""Value layers: KOC, high value, potential and dormant members, each with its reasons.

Plain data in, plain data out. ``measure`` reads each member's recency and frequency of
messages, influence (replies and @mentions received, echoes their messages draw,
conversations they start) and orders; ``assign_layers`` fills the layers in a fixed order,
each up to its share of the members and only with members that qualify:

1. dormant: no message or order for ``dormant_after_days``, longest silent first;
2. KOC: influence of at least ``koc_min_influence``, most influential first;
3. high value: by spend when the community has orders (members with orders only), else by
   messages in the last ``recent_days``;
4. potential: everyone else.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

DAY_SECONDS = 86400.0
INLINE_MENTION = re.compile(r"@([^\s@，,。:：\u2005]{1,20})")


@dataclass(frozen=True)
class LayerRules:
    """How members are layered (``layers`` in data/taxonomy/*.yaml); saved with each run."""

    LAYERS = ("koc", "high", "potential", "dormant")

    shares: dict[str, float] = field(default_factory=lambda: {"koc": 0.05, "high": 0.15, "potential": 0.60,
                                                              "dormant": 0.20})
    dormant_after_days: float = 14
    koc_min_influence: float = 3
    recent_days: float = 30
    conversation_gap_minutes: float = 30

    @property
    def parameters(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Post:
    """One message of any member-sent type (text, sticker, image...), for activity and influence."""

    id: int
    member: str
    group: str
    sent_at: datetime
    key: str  # the export's message key (what reply_to points at)
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()  # names or ids @-mentioned, as the export gives them
    text: str = ""  # read for inline "@name" when the export gives no mentions


@dataclass(frozen=True)
class Order:
    member: str
    ordered_at: datetime
    amount: float


@dataclass(frozen=True)
class Activity:
    """What one member did, as of the run's newest message."""

    member: str
    last_active: datetime | None  # last message or order
    idle_days: float
    messages: int
    recent_messages: int  # in the last ``recent_days``
    replies: int = 0  # replies received from others
    mentions: int = 0  # messages of others that @-mention them
    echoes: int = 0  # members who echoed ("+1", "同求") their messages
    conversations: int = 0  # conversations they started that someone else joined
    orders: int = 0
    spend: float = 0.0

    @property
    def influence(self) -> int:
        return self.replies + self.mentions + self.echoes + self.conversations


@dataclass(frozen=True)
class MemberLayer:
    member: str
    layer: str  # koc, high, potential or dormant
    reasons: list[str]
    metrics: dict


def measure(posts: Sequence[Post], members: Mapping[str, datetime | None], as_of: datetime,
            echoed_by: Mapping[int, Sequence[str]] | None = None, orders: Sequence[Order] = (),
            names: Mapping[str, str] | None = None, rules: LayerRules = LayerRules()) -> dict[str, Activity]:
    """Each member's activity. ``members`` maps every member to when they were first seen (the
    idle time of a member with no message); ``names`` maps display names and ids to member ids
    (to resolve @mentions); ``echoed_by`` maps a message id to the members who echoed it."""
    names = dict(names or {}) | {m: m for m in members}
    author = {p.id: p.member for p in posts}
    by_key = {p.key: p.member for p in posts}
    recent_from = as_of - timedelta(days=rules.recent_days)
    last: dict[str, datetime] = {}
    messages, recent, replies, mentions, echoes = Counter(), Counter(), Counter(), Counter(), Counter()
    for post in posts:
        messages[post.member] += 1
        recent[post.member] += post.sent_at >= recent_from
        last[post.member] = max(last.get(post.member, post.sent_at), post.sent_at)
        replied = by_key.get(post.reply_to) if post.reply_to else None
        if replied is not None and replied != post.member:
            replies[replied] += 1
        mentioned = post.mentions or tuple(INLINE_MENTION.findall(post.text))
        for target in {names[m.strip()] for m in mentioned if m.strip() in names} - {post.member}:
            mentions[target] += 1
    for message_id, echoers in (echoed_by or {}).items():
        if message_id in author:
            echoes[author[message_id]] += len(set(echoers) - {author[message_id]})
    conversations = started_conversations(posts, timedelta(minutes=rules.conversation_gap_minutes))
    spend, bought = defaultdict(float), Counter()
    for order in orders:
        spend[order.member] += order.amount
        bought[order.member] += 1
        if order.member in members:
            last[order.member] = max(last.get(order.member, order.ordered_at), order.ordered_at)
    result = {}
    for member, first_seen in members.items():
        seen = last.get(member, first_seen)
        idle = max(0.0, (as_of - seen).total_seconds() / DAY_SECONDS) if seen is not None else math.inf
        result[member] = Activity(member, last.get(member), round(idle, 2), messages[member], recent[member],
                                  replies[member], mentions[member], echoes[member], conversations[member],
                                  bought[member], round(spend[member], 2))
    return result


def started_conversations(posts: Iterable[Post], gap: timedelta) -> Counter:
    """Member -> conversations they opened: a message after ``gap`` of silence in its group
    that another member answered before the next such silence."""
    by_group: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        by_group[post.group].append(post)
    started: Counter = Counter()
    for group_posts in by_group.values():
        group_posts.sort(key=lambda p: (p.sent_at, p.id))
        opener, joined, previous = None, False, None
        for post in group_posts:
            if previous is None or post.sent_at - previous >= gap:
                if opener is not None and joined:
                    started[opener] += 1
                opener, joined = post.member, False
            elif post.member != opener:
                joined = True
            previous = post.sent_at
        if opener is not None and joined:
            started[opener] += 1
    return started


def assign_layers(activities: Mapping[str, Activity], rules: LayerRules = LayerRules()) -> list[MemberLayer]:
    """Each member's layer with its reasons (see the module docstring for the order)."""
    everyone = sorted(activities.values(), key=lambda a: a.member)
    total = len(everyone)
    quota = {layer: round(share * total) for layer, share in rules.shares.items()}
    placed: dict[str, tuple[str, list[str]]] = {}

    def top(share_rank: int) -> int:
        return max(1, math.ceil(100 * share_rank / total))

    silent = sorted((a for a in everyone if a.idle_days >= rules.dormant_after_days), key=lambda a: -a.idle_days)
    for activity in silent[:quota.get("dormant", 0)]:
        placed[activity.member] = ("dormant", [silence(activity)])

    influential = sorted((a for a in everyone if a.member not in placed and a.influence >= rules.koc_min_influence),
                         key=lambda a: (-a.influence, -a.recent_messages))
    for rank, activity in enumerate(influential[:quota.get("koc", 0)], start=1):
        placed[activity.member] = ("koc", [f"top {top(rank)}% by influence: {influence(activity)}"])

    has_orders = any(a.orders for a in everyone)
    if has_orders:
        valued = sorted((a for a in everyone if a.member not in placed and a.spend > 0),
                        key=lambda a: (-a.spend, -a.recent_messages))
    else:
        valued = sorted((a for a in everyone if a.member not in placed and a.recent_messages > 0),
                        key=lambda a: (-a.recent_messages, -a.messages))
    for rank, activity in enumerate(valued[:quota.get("high", 0)], start=1):
        reason = (f"top {top(rank)}% by spend: {spent(activity)}" if has_orders else
                  f"top {top(rank)}% by messages: {activity.recent_messages} in the last {rules.recent_days:g} days")
        placed[activity.member] = ("high", [reason])

    layers = []
    for activity in everyone:
        layer, reasons = placed.get(activity.member, ("potential", potential(activity, rules, has_orders)))
        layers.append(MemberLayer(activity.member, layer, reasons, metrics(activity)))
    return layers


def silence(activity: Activity) -> str:
    if activity.last_active is None:
        return "no message since first seen" + (f" {activity.idle_days:.0f} days ago"
                                                if math.isfinite(activity.idle_days) else "")
    return f"no message{' or order' if activity.orders else ''} in {activity.idle_days:.0f} days"


def influence(activity: Activity) -> str:
    parts = [(activity.replies, "replies received", "reply received"),
             (activity.mentions, "@mentions", "@mention"),
             (activity.echoes, "echoes of their messages", "echo of their messages"),
             (activity.conversations, "conversations started", "conversation started")]
    return ", ".join(f"{n} {many if n != 1 else one}" for n, many, one in parts if n)


def spent(activity: Activity) -> str:
    return f"¥{activity.spend:,.2f} in {plural(activity.orders, 'order')}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def potential(activity: Activity, rules: LayerRules, has_orders: bool) -> list[str]:
    when = (f"last active {activity.idle_days:.0f} days ago" if math.isfinite(activity.idle_days)
            else "never active")
    reasons = [f"{when}, {plural(activity.recent_messages, 'message')} in the last {rules.recent_days:g} days"]
    if activity.influence:
        reasons.append(f"influence {activity.influence} ({influence(activity)})")
    if has_orders and activity.orders:
        reasons.append(spent(activity))
    return reasons


def metrics(activity: Activity) -> dict:
    return {"idle_days": activity.idle_days if math.isfinite(activity.idle_days) else None,
            "messages": activity.messages, "recent_messages": activity.recent_messages,
            "replies": activity.replies, "mentions": activity.mentions, "echoes": activity.echoes,
            "conversations": activity.conversations, "influence": activity.influence,
            "orders": activity.orders, "spend": activity.spend}
