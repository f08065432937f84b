"""The tag taxonomy: interest tags defined by keywords or simple rules, read from YAML.

``data/taxonomy/default.yaml`` holds tag groups and tags, how a tag's score decays and how
members are split into value layers; ``communities/<community>.yaml`` is merged over it.
``load_taxonomy`` validates both and fails with one line naming the file and the problem.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

from nlp.layers import LayerRules
from nlp.profile import saturating
from nlp.records import ChatMessage, MemberTag, Theme

TAXONOMY_DIR = Path(__file__).resolve().parents[1] / "data" / "taxonomy"
WORD_LISTS = ("keywords", "all", "exclude", "themes")
RULE_KEYS = (*WORD_LISTS, "regex", "min_messages", "half", "wecom_tag_id")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class TagRule:
    """One tag and what makes a message evidence for it."""

    group: str
    tag: str
    keywords: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    regex: str | None = None
    themes: tuple[str, ...] = ()
    min_messages: int = 1
    half: float = 2.0
    wecom_tag_id: str | None = None  # the 企业微信 corp tag id this tag is pushed as (mark_tag)

    def matches(self, text: str) -> bool:
        """Whether a message's text is evidence (the theme rule is judged apart, on themes)."""
        text = text.lower()
        if any(w.lower() in text for w in self.exclude):
            return False
        return (any(w.lower() in text for w in self.keywords)
                or bool(self.all) and all(w.lower() in text for w in self.all)
                or self.regex is not None and re.search(self.regex, text) is not None)

    def covers(self, theme: Theme) -> bool:
        words = [theme.label.lower(), *(k.lower() for k in theme.keywords)]
        return any(w.lower() in word for w in self.themes for word in words)


@dataclass(frozen=True)
class Taxonomy:
    tags: tuple[TagRule, ...] = ()
    half_life_days: float = 30.0
    min_score: float = 0.05
    layers: LayerRules = field(default_factory=LayerRules)
    files: tuple[str, ...] = ()  # the files merged, default first

    @property
    def wecom_tag_ids(self) -> dict[str, str]:
        """Tag name -> 企业微信 corp tag id, for the tags that name one."""
        return {rule.tag: rule.wecom_tag_id for rule in self.tags if rule.wecom_tag_id}

    @property
    def parameters(self) -> dict:
        """What a run records of the taxonomy it used."""
        return {"files": list(self.files), "tags": len(self.tags), "half_life_days": self.half_life_days,
                "min_score": self.min_score, "layers": self.layers.parameters}


# --- loading ---------------------------------------------------------------------------------

def load_taxonomy(community: str | None = None, root: Path | str = TAXONOMY_DIR) -> Taxonomy:
    """The default taxonomy with the community's file (when there is one) merged over it."""
    root = Path(root)
    paths = [root / "default.yaml"]
    if community and (override := root / "communities" / f"{community}.yaml").is_file():
        paths.append(override)
    merged: dict = {}
    for path in paths:
        merged = merge(merged, read_yaml(path))
    return build(merged, paths[-1], tuple(str(p.relative_to(root)) for p in paths))


def read_yaml(path: Path) -> dict:
    import yaml

    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: no such taxonomy file") from None
    except UnicodeDecodeError:
        raise TaxonomyError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise TaxonomyError(f"{path}: not valid YAML{where}: {problem}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise TaxonomyError(f"{path}: the top level must be a mapping (decay, layers, groups)")
    unknown = sorted(set(map(str, document)) - {"decay", "layers", "groups"})
    if unknown:
        raise TaxonomyError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; expected decay, layers, groups")
    for key in ("decay", "layers", "groups"):
        if document.get(key) is not None and not isinstance(document[key], dict):
            raise TaxonomyError(f"{path}: {key} must be a mapping")
    return document


def merge(base: dict, override: dict) -> dict:
    """``override`` over ``base``: decay and layers key by key, groups by group then tag; null removes."""
    merged = {key: dict(base.get(key) or {}) for key in ("decay", "layers")}
    for key in ("decay", "layers"):
        merged[key].update(override.get(key) or {})
    groups = {name: dict(tags or {}) for name, tags in (base.get("groups") or {}).items()}
    for name, tags in (override.get("groups") or {}).items():
        if tags is None:
            groups.pop(name, None)
            continue
        if not isinstance(tags, dict):
            groups[name] = tags  # reported by build()
            continue
        group = groups.setdefault(name, {})
        for tag, rule in tags.items():
            if rule is None:
                group.pop(tag, None)
            else:
                group[tag] = rule
    merged["groups"] = groups
    return merged


def build(document: dict, path: Path, files: tuple[str, ...]) -> Taxonomy:
    rules = []
    for group, tags in document["groups"].items():
        if not isinstance(tags, dict):
            raise TaxonomyError(f"{path}: group {group!r} must map tag names to rules")
        for tag, rule in tags.items():
            rules.append(tag_rule(str(group), str(tag), rule, path))
    names = [r.tag for r in rules]
    if len(set(names)) < len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise TaxonomyError(f"{path}: tag {twice[0]!r} is defined in more than one group")
    decay = document["decay"]
    unknown = sorted(set(map(str, decay)) - {"half_life_days", "min_score"})
    if unknown:
        raise TaxonomyError(f"{path}: unknown decay key(s) {', '.join(unknown)}; expected half_life_days, min_score")
    half_life = number(decay.get("half_life_days", 30.0), "decay.half_life_days", path, positive=True)
    min_score = number(decay.get("min_score", 0.05), "decay.min_score", path)
    return Taxonomy(tuple(rules), half_life, min_score, layer_rules(document["layers"], path), files)


def tag_rule(group: str, tag: str, rule: object, path: Path) -> TagRule:
    where = f"{path}: tag {tag!r} in group {group!r}"
    if not isinstance(rule, dict):
        raise TaxonomyError(f"{where}: must be a mapping of rules (keywords, all, regex, exclude, themes)")
    unknown = sorted(set(map(str, rule)) - set(RULE_KEYS))
    if unknown:
        raise TaxonomyError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(RULE_KEYS)}")
    words = {}
    for key in WORD_LISTS:
        value = rule.get(key, [])
        if not isinstance(value, list) or not all(isinstance(w, str | int) and str(w).strip() for w in value):
            raise TaxonomyError(f"{where}: {key} must be a list of words")
        words[key] = tuple(str(w).strip() for w in value)
    regex = rule.get("regex")
    if regex is not None:
        try:
            re.compile(str(regex))
        except re.error as error:
            raise TaxonomyError(f"{where}: bad regex: {error}") from None
    if not (words["keywords"] or words["all"] or words["themes"] or regex):
        raise TaxonomyError(f"{where}: needs keywords, all, regex or themes")
    min_messages = rule.get("min_messages", 1)
    if isinstance(min_messages, bool) or not isinstance(min_messages, int) or min_messages < 1:
        raise TaxonomyError(f"{where}: min_messages must be a whole number >= 1")
    half = number(rule.get("half", 2.0), f"tag {tag!r}: half", path, positive=True)
    wecom_tag_id = rule.get("wecom_tag_id")
    if wecom_tag_id is not None and not (isinstance(wecom_tag_id, str) and wecom_tag_id.strip()):
        raise TaxonomyError(f"{where}: wecom_tag_id must be the corp tag id (text, e.g. etXXXXXXXX)")
    return TagRule(group, tag, words["keywords"], words["all"], words["exclude"],
                   str(regex) if regex is not None else None, words["themes"], min_messages, half,
                   wecom_tag_id.strip() if wecom_tag_id else None)


def layer_rules(layers: dict, path: Path) -> LayerRules:
    names = {f.name for f in fields(LayerRules)}
    unknown = sorted(set(map(str, layers)) - names)
    if unknown:
        raise TaxonomyError(f"{path}: unknown layers key(s) {', '.join(unknown)}; expected {', '.join(sorted(names))}")
    values = {}
    for key, value in layers.items():
        if key == "shares":
            if not isinstance(value, dict) or set(value) - set(LayerRules.LAYERS):
                raise TaxonomyError(f"{path}: layers.shares maps {', '.join(LayerRules.LAYERS)} to shares")
            shares = dict(LayerRules().shares) | {k: number(v, f"layers.shares.{k}", path) for k, v in value.items()}
            if any(s > 1 for s in shares.values()) or not 0.99 <= sum(shares.values()) <= 1.01:
                raise TaxonomyError(f"{path}: layers.shares must add up to 1 (they add up to "
                                    f"{sum(shares.values()):.2f})")
            values[key] = shares
        else:
            values[key] = number(value, f"layers.{key}", path)
    return LayerRules(**values)


def number(value: object, name: str, path: Path, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or (positive and value == 0):
        raise TaxonomyError(f"{path}: {name} must be a {'positive' if positive else 'non-negative'} number")
    return float(value)


# --- tagging ---------------------------------------------------------------------------------

def tag_by_taxonomy(messages: Sequence[ChatMessage], themes: Sequence[Theme], taxonomy: Taxonomy,
                    min_demand_share: float = 0.0, max_evidence: int = 10) -> list[MemberTag]:
    """Taxonomy tags per member, each with its group, score (by the number of matching
    messages), first and last evidence time and the most recent evidence message ids."""
    sent_at = {m.id: m.sent_at for m in messages}
    demand_themes = [t for t in themes if t.demand_share >= min_demand_share]
    tags = []
    for rule in taxonomy.tags:
        evidence: dict[str, set[int]] = defaultdict(set)
        if rule.keywords or rule.all or rule.regex:
            for message in messages:
                if rule.matches(message.text):
                    evidence[message.member].add(message.id)
        for theme in demand_themes:
            if rule.themes and rule.covers(theme):
                for member, message_id in zip(theme.member_ids, theme.message_ids):
                    evidence[member].add(message_id)
        for member, ids in sorted(evidence.items()):
            if len(ids) < rule.min_messages:
                continue
            ordered = sorted(ids, key=lambda i: (sent_at.get(i), i))
            tags.append(MemberTag(member, rule.tag, "taxonomy", saturating(len(ids), rule.half),
                                  ordered[::-1][:max_evidence], group=rule.group,
                                  first_evidence=sent_at.get(ordered[0]), last_evidence=sent_at.get(ordered[-1])))
    return tags
