"""The tag taxonomy: YAML loading, per-community overrides, one-line errors, tags and decay."""
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from nlp.profile import decay, decay_tags
from nlp.records import ChatMessage, MemberTag, Theme
from nlp.taxonomy import TAXONOMY_DIR, TaxonomyError, load_taxonomy, tag_by_taxonomy

T0 = datetime(2026, 10, 1, 9, tzinfo=UTC)
BASE = """
decay: {half_life_days: 10, min_score: 0.05}
layers: {dormant_after_days: 7}
groups:
  咖啡:
    手冲爱好者: {keywords: [手冲, 滤杯, 研磨, 豆子], min_messages: 2}
    冷萃爱好者: {keywords: [冷萃]}
  家庭:
    宠物主: {keywords: [猫粮, 猫砂], exclude: [不养猫]}
    敏感肌: {all: [皮肤, 过敏]}
    学生党: {regex: '宿舍|军训'}
  需求:
    低因需求: {themes: [低因]}
"""


def taxonomy_root(tmp_path: Path, base: str = BASE, **communities: str) -> Path:
    (tmp_path / "communities").mkdir(parents=True, exist_ok=True)
    (tmp_path / "default.yaml").write_text(base, encoding="utf-8")
    for name, text in communities.items():
        (tmp_path / "communities" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def said(*rows: tuple[str, int, str]) -> list[ChatMessage]:
    """(member, day, text) -> messages with ids in order."""
    return [ChatMessage(i, member, "g", T0 + timedelta(days=day), text) for i, (member, day, text) in enumerate(rows, 1)]


def test_the_shipped_taxonomy_loads():
    taxonomy = load_taxonomy("any-community")
    names = {rule.tag for rule in taxonomy.tags}
    assert {"手冲爱好者", "亲子家庭", "宠物主", "敏感肌", "学生党"} <= names
    assert taxonomy.files == ("default.yaml",) and taxonomy.half_life_days == 30
    assert taxonomy.layers.shares == {"koc": 0.05, "high": 0.15, "potential": 0.60, "dormant": 0.20}
    assert load_taxonomy(None, TAXONOMY_DIR).tags == taxonomy.tags


def test_a_community_file_is_merged_over_the_default(tmp_path):
    root = taxonomy_root(tmp_path, cafe="""
decay: {half_life_days: 60}
layers: {shares: {koc: 0.1, high: 0.1, potential: 0.6, dormant: 0.2}}
groups:
  咖啡:
    手冲爱好者: {keywords: [手冲, 磨豆机], min_messages: 3}
    冷萃爱好者: null
  家庭: null
  门店:
    到店常客: {keywords: [到店, 堂食]}
""")
    default, cafe = load_taxonomy("other", root), load_taxonomy("cafe", root)
    assert len(default.tags) == 6 and default.half_life_days == 10
    rules = {rule.tag: rule for rule in cafe.tags}
    assert set(rules) == {"手冲爱好者", "低因需求", "到店常客"}
    assert rules["手冲爱好者"].keywords == ("手冲", "磨豆机") and rules["手冲爱好者"].min_messages == 3
    assert rules["到店常客"].group == "门店"
    assert cafe.half_life_days == 60 and cafe.min_score == 0.05  # decay keys override one by one
    assert cafe.layers.shares["koc"] == 0.1 and cafe.layers.dormant_after_days == 7
    assert cafe.files == ("default.yaml", "communities/cafe.yaml")


@pytest.mark.parametrize(("text", "message"), [
    ("decay: {}\ngroups: {g: {t: [a, b}}\n", "not valid YAML (line 2)"),
    ("- just\n- a list\n", "the top level must be a mapping"),
    ("tags: {}\n", "unknown top-level key(s) tags"),
    ("groups:\n  g:\n    t: {keyword: [a]}\n", "tag 't' in group 'g': unknown key(s) keyword"),
    ("groups:\n  g:\n    t: {keywords: 手冲}\n", "tag 't' in group 'g': keywords must be a list of words"),
    ("groups:\n  g:\n    t: {exclude: [a]}\n", "tag 't' in group 'g': needs keywords, all, regex or themes"),
    ("groups:\n  g:\n    t: {regex: '(unclosed'}\n", "tag 't' in group 'g': bad regex"),
    ("groups:\n  g:\n    t: {keywords: [a], min_messages: 0}\n", "min_messages must be a whole number >= 1"),
    ("groups:\n  g: [a]\n", "group 'g' must map tag names to rules"),
    ("groups:\n  g: {t: {keywords: [a]}}\n  h: {t: {keywords: [b]}}\n", "tag 't' is defined in more than one group"),
    ("decay: {half_life_days: 0}\n", "decay.half_life_days must be a positive number"),
    ("layers: {shares: {koc: 0.5, dormant: 0.5}}\n", "layers.shares must add up to 1"),
    ("layers: {dormant_days: 3}\n", "unknown layers key(s) dormant_days"),
])
def test_a_bad_community_file_fails_in_one_line_naming_it(tmp_path, text, message):
    root = taxonomy_root(tmp_path, bad=text)
    with pytest.raises(TaxonomyError) as error:
        load_taxonomy("bad", root)
    assert str(error.value).startswith(str(root / "communities" / "bad.yaml") + ": ")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_missing_default_file_is_named(tmp_path):
    with pytest.raises(TaxonomyError, match="default.yaml: no such taxonomy file"):
        load_taxonomy("x", tmp_path)


def test_tags_follow_what_members_said(tmp_path):
    taxonomy = load_taxonomy(None, taxonomy_root(tmp_path))
    messages = said(("ann", 0, "今天用新滤杯手冲了一杯"), ("ann", 3, "这包豆子研磨细一点更好"),
                    ("bob", 1, "手冲好难"),  # once: below min_messages
                    ("cat", 2, "猫粮换了一个牌子"), ("dan", 2, "我不养猫，但猫砂味道好大"),
                    ("eve", 4, "皮肤最近过敏了"), ("eve", 5, "皮肤好干"),
                    ("fay", 5, "宿舍不能用电器"), ("gus", 6, "冷萃真好喝"), ("hal", 6, "想喝低因拿铁"))
    decaf = Theme("低因拿铁", ["低因", "拿铁"], [10], ["hal"], [10], 0.0, T0, T0, demand_share=0.8)
    tags = {(t.member, t.tag): t for t in tag_by_taxonomy(messages, [decaf], taxonomy)}
    assert set(tags) == {("ann", "手冲爱好者"), ("cat", "宠物主"), ("eve", "敏感肌"), ("fay", "学生党"),
                         ("gus", "冷萃爱好者"), ("hal", "低因需求")}
    brew = tags[("ann", "手冲爱好者")]
    assert brew.kind == "taxonomy" and brew.group == "咖啡" and brew.score == 0.5  # 2 messages at half 2
    assert brew.evidence == [2, 1]  # the most recent first
    assert brew.first_evidence == T0 and brew.last_evidence == T0 + timedelta(days=3)
    assert tags[("hal", "低因需求")].evidence == [10]
    chat = Theme("低因拿铁", ["低因"], [10], ["hal"], [10], 0.0, T0, T0, demand_share=0.1)
    assert not tag_by_taxonomy(messages[-1:], [chat], taxonomy, min_demand_share=0.3)


def test_scores_decay_with_a_half_life_from_the_last_evidence():
    now = T0 + timedelta(days=20)
    assert decay(0.8, T0 + timedelta(days=20), now, 10) == 0.8
    assert decay(0.8, T0 + timedelta(days=10), now, 10) == 0.4
    assert decay(0.8, T0, now, 10) == 0.2
    old = MemberTag("ann", "手冲爱好者", "taxonomy", 0.8, [1], last_evidence=T0)
    fresh = MemberTag("bob", "手冲爱好者", "taxonomy", 0.8, [2], last_evidence=now)
    faded = MemberTag("cat", "手冲爱好者", "taxonomy", 0.8, [3], last_evidence=T0 - timedelta(days=50))
    kept = {t.member: t for t in decay_tags([old, fresh, faded], now, 10, min_score=0.05)}
    assert set(kept) == {"ann", "bob"}  # cat's 0.8 decayed to 0.0125 and is dropped
    assert kept["ann"].score == 0.2 and kept["ann"].base_score == 0.8 and kept["bob"].score == 0.8
