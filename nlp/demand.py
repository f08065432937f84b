"""Demand type of a message from lexical cues: need, question, complaint, suggestion, praise or chat.

A first, rule-based reader; the Chinese-text issue extends it (echo attachment, ads,
measured on real intent data). Pure functions over strings.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

DEMAND_TYPES = ("need", "question", "complaint", "suggestion", "praise", "chat")
VOICING = frozenset({"need", "question", "complaint", "suggestion"})  # types that voice a demand

CUES = {
    "need": re.compile(r"想要|想买|想找|想喝|想试|求(?!助)|有没有|有木有|能不能|可不可以|可以.{0,4}吗|希望|要是有|哪里(?:有|买)|"
                       r"蹲.{0,6}(?:链接|推荐)|需要|急需|缺|跪求|安利|种草.{0,2}下"),
    "question": re.compile(r"[?？]|吗\s*$|怎么|如何|为什么|为啥|哪款|哪个|哪家|咋|是不是|有人.{0,8}(?:过|吗)|请问|多少钱|几点|怎样"),
    "complaint": re.compile(r"不够|总是|老是|总弄|不行|难受|失眠|睡不着|心累|崩溃|怎么办|麻烦|坑|踩雷|过敏|"
                            r"拉肚子|受不了|头疼|头大|焦虑|来不及|不均匀|卡粉|脱妆|发愁|愁死|吐了|失败|不好|差|贵|没法|没办法|困扰|烦|"
                           r"排队|等了|等太久|半天|没电|断断续续|时断时续|吵|挤|不方便|不敢|担心|心疼|反复|又犯|难搞|搞不定"),
    "suggestion": re.compile(r"建议|最好(?:能|是)|要是能|能不能出|可以考虑|出个|加个|搞个|上新|希望.{0,6}(?:能|可以)|改进"),
    "praise": re.compile(r"好喝|好用|好吃|喜欢|爱了|yyds|绝了|绝绝子|太棒|真香|满意|回购|推荐大家|赞"),
}


def demand_type(text: str) -> str:
    """The strongest cue wins, in the order need > suggestion > complaint > question > praise."""
    for kind in ("need", "suggestion", "complaint", "question", "praise"):
        if CUES[kind].search(text):
            return kind
    return "chat"


def demand_mix(types: Sequence[str]) -> dict[str, float]:
    """Share of each demand type among a theme's messages (types with no message left out)."""
    counts = Counter(types)
    return {kind: round(counts[kind] / len(types), 4) for kind in DEMAND_TYPES if counts[kind]}


def demand_share(types: Sequence[str]) -> float:
    """Share of messages that voice a demand (need, question, complaint or suggestion)."""
    return sum(t in VOICING for t in types) / len(types) if types else 0.0
