"""Normalise chat text and flag what carries no demand (system notices, stickers, ads, echoes).

Traditional characters become simplified (OpenCC t2s), full-width forms half-width (NFKC);
emoji and [表情] codes are kept apart as emotion cues, URLs and @mentions as features, and a
quoted message rendered into the text is separated from the reply.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

URL = re.compile(r"(?:https?://|www\.)[^\s\u3000-\u303f\uff00-\uffef]+|\b[a-z0-9-]+\.(?:cn|com|net)/\S*", re.I)
MENTION = re.compile(r"@[^\s@，,。:：]{1,20}[\s\u2005]?")
EMOTION_CODE = re.compile(r"\[[\u4e00-\u9fffA-Za-z]{1,6}\]")
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

SYSTEM_PATTERNS = re.compile(
    r"邀请.{0,30}加入了?群聊|加入了群聊|二维码加入群聊|撤回了一条消息|修改群名为|移出了群聊|退出了群聊"
    r"|现在可以开始聊天了|拍了拍|成为新群主|发起了群收款|群公告|^\s*\[系统消息\]"
)
STICKER_ONLY = re.compile(r"^\s*(?:\[(?:动画表情|图片|表情|视频|语音|文件|链接|位置)\]\s*)+$")
# "me too" replies, whole messages only: +1 (again, or with a word or two: "+1 太难了"), +10086,
# 同 / 同求 / 同问 / 同款, 我也…, 一样 / 一模一样, 坐等 / 蹲, 太真实了, 抱抱 (a sticker stripped)
ECHO = re.compile(
    r"^\s*(?:(?:[+＋]\s*1(?:0086)?\s*)+(?:\s\S{1,4})?|1{1,3}|同|同求\S{0,2}|同问|同款|求\+?1?|顶+"
    r"|我也(?:是|要|想要|想知道|想问|一样|这样|同求|觉得)\S{0,4}|一样(?:想要|想问|想知道)?|一模一样|同感|感同身受"
    r"|太真实了?|真实|抱抱|插眼|坐等|蹲+|蹲一个|mark)\s*[!！。~～]*\s*$",
    re.I,
)
PROMO = re.compile(r"加微信|加v|加我v|vx|(?<![a-z0-9_])wx(?![a-z0-9_])|领券|优惠券|刷单|兼职|日结|返利|代理|招募|扫码|私聊我"
                   r"|点击链接|点击领取|领取.{0,8}红包|低价出|免费领|薇信|威信", re.I)

# A quote rendered into the text: WeChat's 「name：quoted」 over a dashed rule, or "回复 name：".
QUOTE_BLOCK = re.compile(r"^\s*[「“\"](?P<quote>.+?)[」”\"]\s*\n\s*(?:-\s*){3,}\n(?P<reply>.*)$", re.S)
QUOTE_AFTER = re.compile(r"^(?P<reply>.*?)\n\s*(?:-\s*){3,}\n\s*[「“\"](?P<quote>.+?)[」”\"]\s*$", re.S)
REPLY_PREFIX = re.compile(r"^\s*回复\s*@?[^\s:：]{1,20}\s*[:：]\s*")
QUOTE_AUTHOR = re.compile(r"^[^:：\n]{1,20}[:：]\s*")

PHONE = re.compile(r"(?<!\d)1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)")
ID_CARD = re.compile(r"(?<![0-9Xx])\d{17}[\dXx](?![0-9Xx])")
BANK_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]?){3,4}\d{1,4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@dataclass(frozen=True)
class CleanText:
    """What the later stages read: ``text`` is normalised, the rest kept as features."""

    text: str
    emotions: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    quote: str = ""  # a quoted message found in the text, without its author

    @property
    def is_content(self) -> bool:
        """True when the message may voice a demand (no flag at all)."""
        return not self.flags


def redact(text: str) -> str:
    """Mask personal data: e-mail addresses, ID-card, bank-card and phone numbers."""
    text = EMAIL.sub("[邮箱]", text)
    text = ID_CARD.sub("[证件号]", text)
    text = PHONE.sub("[手机号]", text)
    return BANK_CARD.sub("[卡号]", text)


@lru_cache(maxsize=1)
def _to_simplified():
    import opencc

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """Traditional Chinese to simplified (OpenCC t2s)."""
    return _to_simplified().convert(text)


def split_quote(text: str) -> tuple[str, str]:
    """(reply, quoted text) when the text renders a quoted message; else (text, "")."""
    for pattern in (QUOTE_BLOCK, QUOTE_AFTER):
        if match := pattern.match(text):
            return match["reply"].strip(), QUOTE_AUTHOR.sub("", match["quote"].strip(), count=1)
    return REPLY_PREFIX.sub("", text, count=1), ""


def clean(text: str) -> CleanText:
    raw = simplify(unicodedata.normalize("NFKC", text or "").replace("\u2005", " ").strip())
    raw, quote = split_quote(raw)
    flags: set[str] = set()
    if SYSTEM_PATTERNS.search(raw):
        flags.add("system")
    if STICKER_ONLY.match(raw):
        flags.add("sticker")
    urls = tuple(URL.findall(raw))
    if PROMO.search(raw) and (urls or re.search(r"\d{5,}|v[x信]?[:：]?\w{5,}", raw, re.I) or len(raw) > 20):
        flags.add("ad")
    mentions = tuple(m.strip()[1:] for m in MENTION.findall(raw))
    body = MENTION.sub(" ", URL.sub(" ", raw))
    emotions = tuple(EMOTION_CODE.findall(body) + EMOJI.findall(body))
    body = EMOJI.sub(" ", EMOTION_CODE.sub(" ", body))
    body = re.sub(r"\s+", " ", body).strip()
    if ECHO.match(body):
        flags.add("echo")
    elif len(MEANINGFUL.findall(body)) < 4:
        flags.add("short")
    return CleanText(body, emotions, urls, mentions, frozenset(flags), quote)


def flag_repeated_promotions(cleaned: Sequence[CleanText], senders: Sequence[str], min_length: int = 15) -> list[CleanText]:
    """Mark as ads the long texts that several members post word for word (copy-paste promotion)."""
    posters: dict[str, set[str]] = defaultdict(set)
    for item, sender in zip(cleaned, senders):
        if len(item.text) >= min_length:
            posters[item.text].add(sender)
    return [
        CleanText(c.text, c.emotions, c.urls, c.mentions, c.flags | {"ad"}, c.quote)
        if len(c.text) >= min_length and len(posters[c.text]) >= 2 and (c.urls or PROMO.search(c.text))
        else c
        for c in cleaned
    ]
