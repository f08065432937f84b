"""Value layers: influence, activity and orders measured from plain posts; layers with reasons."""
from datetime import UTC, datetime, timedelta

from nlp.layers import LayerRules, Order, Post, assign_layers, measure, started_conversations

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)


def post(i, member, minutes, group="g", reply_to=None, mentions=(), text="", days=0):
    return Post(i, member, group, T0 + timedelta(days=days, minutes=minutes), f"k{i}", reply_to, tuple(mentions), text)


def test_influence_counts_replies_mentions_echoes_and_conversations():
    posts = [post(1, "ann", 0, text="有人知道哪里修咖啡机吗"),
             post(2, "bob", 1, reply_to="k1"), post(3, "cat", 2, reply_to="k1"),
             post(4, "ann", 3, reply_to="k1"),  # replying to oneself is no influence
             post(5, "bob", 4, mentions=["安娜"]), post(6, "cat", 5, text="@ann 谢谢"),
             post(7, "dan", 200), post(8, "dan", 300, text="@dan 自言自语")]  # unanswered, self-mention
    members = {m: T0 for m in ("ann", "bob", "cat", "dan", "eve")}
    activity = measure(posts, members, T0 + timedelta(days=1), echoed_by={1: ["bob", "eve", "ann"], 99: ["x"]},
                       names={"安娜": "ann"})
    ann = activity["ann"]
    assert (ann.replies, ann.mentions, ann.echoes, ann.conversations) == (2, 2, 2, 1)
    assert ann.influence == 7 and ann.messages == 2
    assert activity["dan"].influence == 0 and activity["dan"].messages == 2
    eve = activity["eve"]  # a member who never posted: idle since first seen
    assert eve.messages == 0 and eve.idle_days == 1 and eve.last_active is None


def test_a_conversation_counts_only_when_someone_else_joins():
    posts = [post(1, "ann", 0), post(2, "bob", 5), post(3, "ann", 100), post(4, "ann", 101),
             post(5, "cat", 300, group="h"), post(6, "ann", 301, group="h")]
    assert started_conversations(posts, timedelta(minutes=30)) == {"ann": 1, "cat": 1}


def community(n=40):
    """n members, each posting in their own group (no conversations): frequency falls with the
    index; m00..m05 get 6..1 replies from m39; the last 10 went quiet 30..21 days before the end."""
    posts = []
    for index in range(n):
        member = f"m{index:02d}"
        silent_for = 60 - index if index >= n - 10 else 0
        for k in range(30 - index // 2):
            posts.append(Post(len(posts) + 1, member, f"g{index}", T0 + timedelta(days=60 - silent_for - k % 20),
                              f"k{len(posts) + 1}"))
    firsts = {p.member: p.key for p in reversed(posts)}
    for index in range(6):
        for _ in range(6 - index):
            posts.append(Post(len(posts) + 1, "m39", "replies", T0, f"k{len(posts) + 1}", firsts[f"m{index:02d}"]))
    return posts, {p.member: T0 for p in posts}


def test_layers_follow_influence_activity_and_silence():
    posts, members = community()
    as_of = max(p.sent_at for p in posts)
    layers = {m.member: m for m in assign_layers(measure(posts, members, as_of), LayerRules())}
    by_layer = {}
    for m in layers.values():
        by_layer.setdefault(m.layer, []).append(m.member)
    assert {k: len(v) for k, v in by_layer.items()} == {"koc": 2, "high": 6, "potential": 24, "dormant": 8}
    assert sorted(by_layer["koc"]) == ["m00", "m01"]
    assert layers["m00"].reasons == ["top 3% by influence: 6 replies received"]
    assert sorted(by_layer["high"]) == [f"m{i:02d}" for i in range(2, 8)]  # the most messages after the KOCs
    assert layers["m02"].reasons[0].startswith("top 3% by messages: ")
    assert sorted(by_layer["dormant"]) == [f"m{i:02d}" for i in range(30, 38)]  # the longest silent first
    assert layers["m30"].reasons == ["no message in 30 days"]
    assert layers["m20"].metrics["messages"] == 20 and layers["m20"].reasons[0].startswith("last active 0 days ago")


def test_with_orders_high_value_goes_by_spend():
    posts, members = community()
    as_of = max(p.sent_at for p in posts)
    orders = [Order("m35", as_of - timedelta(days=1), 999.0), Order("m20", T0, 500.0), Order("m20", T0, 180.5),
              Order("m21", T0, 20.0), Order("stranger", T0, 10_000.0)]
    layers = {m.member: m for m in assign_layers(measure(posts, members, as_of, orders=orders), LayerRules())}
    assert layers["m35"].layer == "high"  # a recent order: not dormant although silent in the chat
    assert layers["m35"].reasons == ["top 3% by spend: ¥999.00 in 1 order"]
    assert layers["m20"].layer == "high" and layers["m20"].reasons == ["top 5% by spend: ¥680.50 in 2 orders"]
    assert layers["m21"].layer == "high" and layers["m02"].layer == "potential"  # no orders: not high value
    assert "stranger" not in layers and layers["m36"].layer == "dormant"


def test_shares_and_thresholds_are_configurable():
    posts, members = community()
    as_of = max(p.sent_at for p in posts)
    rules = LayerRules(shares={"koc": 0.1, "high": 0.0, "potential": 0.9, "dormant": 0.0}, koc_min_influence=5)
    counts = {}
    for m in assign_layers(measure(posts, members, as_of, rules=rules), rules):
        counts[m.layer] = counts.get(m.layer, 0) + 1
    assert counts == {"koc": 2, "potential": 38}  # only m00 (6) and m01 (5) reach influence 5
