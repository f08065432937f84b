"""Demand type and score of a chat message, echoes attached to what they echo, and metrics.

A message is one of DEMAND_TYPES: need (想要, 求, 有没有, 帮我查…), question (an
information-seeking one: 怎么办, 多少钱, 什么时候发货), complaint (a pain point), suggestion,
praise, chat, ad or system. ``ad`` and ``system`` come from nlp.clean's flags, the rest from
cue lists (``data/dicts/demand/``, read on the first message, never at import):

* each cue list gives its type an evidence in [0, 1], the weight of its strongest match; a
  message opening with a request verb (request.txt: 查一下…, 来一杯…, also after a wanting: 我要看…)
  is a need too, at a lower weight, and so is a short one naming what is wanted: a bare noun
  phrase ("红烧肉的做法", "罗山天气") or a service thing (service.txt: 时刻表, 节目单), unless it
  reports what happened (了, 刚, 昨天); talk of an order (order.txt: 付款, 运费, 3包, 亲) is a weak need;
* a question with no cue still counts by its form (ends in ? or 吗, A-not-A, a wh-word), weakly,
  strongly when it names a product or service word (topic.txt); social and rhetorical
  questions (你叫什么, 在吗, 怎么这么…; social.txt) weaken that evidence;
* the demand score is the noisy-or of the four voicing evidences; a message whose score reaches
  the threshold voices a demand, typed by its strongest evidence (ties: need > suggestion >
  complaint > question); otherwise it is praise when praised, else chat.

Pure functions over plain data, like every nlp stage.
"""
from __future__ import annotations

import re
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from nlp.clean import clean

DEMAND_TYPES = ("need", "question", "complaint", "suggestion", "praise", "chat", "ad", "system")
VOICING = frozenset({"need", "question", "complaint", "suggestion"})  # types that voice a demand
PRIORITY = ("need", "suggestion", "complaint", "question")  # tie-break among voicing types
DEFAULT_CUE_DIR = Path(__file__).resolve().parents[1] / "data" / "dicts" / "demand"
CUE_FILES = ("need", "question", "complaint", "suggestion", "praise", "social", "topic", "service", "order")

# Question form, read when no cue list says more (weights are evidence, as in the lists).
_YES_NO = re.compile(r"[?？]|(?:[吗嘛]|(?<![什怎那这多要])么|(?<=..)(?<![我你他她也都还就并可才])[不没])"
                     r"[啊呀呢哦哈]?[\s!！。.~～…]*$|(有|是|能|会|要|可|行|好|对|在|去|用|买|发|到|够|包|送)[不没]\1|是否|"
                     r"(?:是|用|买|选|要|拍|发).{1,10}还是")
_WH = re.compile(r"什么|啥|哪|怎么|怎样|咋|多少|多久|多长时间|谁|几(?:[个点号天时岁次块钱月年家款种]|多)")
_WH_INDEFINITE = re.compile(r"没什么|什么都|什么也|不怎么|怎么都|怎么也|哪儿都|哪里都|多少(?:有点|也|都)|不管|无论|随便")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WHY = re.compile(r"为什么|为啥|干嘛|凭什么")
# A bare question about a thing ("都是纯棉的吗", "几点开门") reads as a request for information;
# one about a person ("你去哪儿", "他来了吗") as social; with 我 it could be either.
_ABOUT_OTHERS, _ABOUT_SELF = re.compile(r"(?![你您]好)[你您他她]|人家"), re.compile(r"[我咱俺]")
_FORM_WEIGHT = {"others": 0.3, "self": 0.45, "thing": 0.5}
_WHY_WEIGHT = 0.4
_STRONG_QUESTION = 0.8
_MIN_QUESTION_CHARS = 6
_MEANINGFUL = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
# A short message without any function word, pronoun, particle, negation or everyday verb is a
# bare noun phrase ("罗山天气", "红烧肉的做法", "燕麦拿铁"): in chat it names what is wanted.
_FUNCTION_CHARS = re.compile(r"[我你您他她它咱俺们是了吗呢吧啊呀哦嘛哈呵嗯噢哇呃啦咯呗不没别很都也就还又再才只会能要想可把被让给在有好真这那哪谁啥么"
                             r"?？!！~～…]|太(?![原阳空极湖平])|怎|已经|正在|知道|喜欢|觉得|为什么|可以|来|说(?!明)|看(?!点)|分享|"
                             r"做(?!法)|吃(?!法)|喝|玩|睡|走|跑|听|写|读|买|卖|爱|恨|笑|哭|死|大家|各位|去")
# "我要" / "我也想" / "要" before an opening verb still opens a request ("我要看…", "我也听新闻").
_WANTING = r"(?:[我咱]们?)?(?:也|还|就|再)?(?:要|想|想要)?"
# A report of what happened ("昨天看的电影", "新闻看了") names no want.
_NARRATIVE = re.compile(r"[了过着刚]|完(?![整美全])|已经|昨天|前天|上次")
_FILLERS = r"(?:^|[,，。!！?？~～ ])(?:[嗯呃哦喂哎唉啊诶哈那好吧就你您请麻烦小\s]|那你|好吧|ok|OK)*"


@dataclass(frozen=True)
class Demand:
    """A message's demand type and score (0: voices nothing, 1: voices a demand outright)."""

    type: str
    score: float

    @property
    def voices(self) -> bool:
        return self.type in VOICING


class CueList:
    """Weighted regular expressions; ``strength(text)`` is the weight of the strongest match."""

    def __init__(self, cues: Iterable[tuple[str, float]]):
        by_weight: dict[float, list[str]] = defaultdict(list)
        for pattern, weight in cues:
            by_weight[weight].append(f"(?:{pattern})")
        self._groups = [(w, re.compile("|".join(p), re.I)) for w, p in sorted(by_weight.items(), reverse=True)]

    @classmethod
    def read(cls, path: Path) -> CueList:
        """A ``regex<TAB>weight`` file (weight 1.0 when omitted; ``#`` starts a comment line)."""
        cues = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                pattern, _, weight = line.rstrip("\n").partition("\t")
                cues.append((pattern, float(weight) if weight.strip() else 1.0))
        return cls(cues)

    def strength(self, text: str) -> float:
        return next((w for w, regex in self._groups if regex.search(text)), 0.0)


class DemandReader:
    """Reads demand types and scores with the cue lists of ``cue_dir``, loaded on first use."""

    def __init__(self, cue_dir: Path | str = DEFAULT_CUE_DIR, threshold: float = 0.5, request_weight: float = 0.7,
                 noun_phrase_weight: float = 0.5, noun_phrase_length: tuple[int, int] = (2, 14),
                 service_length: int = 20):
        self.cue_dir, self.threshold, self.request_weight = Path(cue_dir), threshold, request_weight
        self.noun_phrase_weight, self.noun_phrase_length = noun_phrase_weight, noun_phrase_length
        self.service_length = service_length
        self._cues: dict[str, CueList] | None = None
        self._lock = threading.Lock()

    def read(self, text: str, flags: Iterable[str] = frozenset()) -> Demand:
        """The demand of one message; ``flags`` from nlp.clean decide "system" and "ad"."""
        flags = frozenset(flags)
        if "system" in flags:
            return Demand("system", 0.0)
        if "ad" in flags:
            return Demand("ad", 0.0)
        evidence = self.evidence(text)
        missing = 1.0
        for kind in PRIORITY:
            missing *= 1.0 - evidence[kind]
        score = round(1.0 - missing, 4)
        if score >= self.threshold:
            return Demand(max(PRIORITY, key=lambda k: (evidence[k], -PRIORITY.index(k))), score)
        return Demand("praise" if evidence["praise"] >= self.threshold else "chat", score)

    def read_all(self, texts: Sequence[str], flags: Sequence[Iterable[str]] | None = None) -> list[Demand]:
        flags = flags if flags is not None else [frozenset()] * len(texts)
        return [self.read(t, f) for t, f in zip(texts, flags, strict=True)]

    @property
    def parameters(self) -> dict:
        """The reader's configuration, to be saved with a run's record."""
        return {"cue_dir": str(self.cue_dir), "threshold": self.threshold, "request_weight": self.request_weight,
                "noun_phrase_weight": self.noun_phrase_weight, "noun_phrase_length": list(self.noun_phrase_length),
                "service_length": self.service_length}

    def evidence(self, text: str) -> dict[str, float]:
        """Evidence per type (need, question, complaint, suggestion, praise), each in [0, 1]."""
        cues = self._load()
        text = text.strip()
        order = cues["order"].strength(text) * (1.0 - cues["social"].strength(text))  # 付款, 运费, 3包
        need = max(cues["need"].strength(text), self.request_weight if cues["request"].search(text) else 0.0,
                   self._noun_phrase(text, cues), order)
        return {"need": need, "question": self._question(text, cues), "complaint": cues["complaint"].strength(text),
                "suggestion": cues["suggestion"].strength(text), "praise": cues["praise"].strength(text)}

    def _noun_phrase(self, text: str, cues: dict) -> float:
        """Need evidence of a short message that names what is wanted: a bare noun phrase ("罗山天气",
        "燕麦拿铁"), or one naming a service.txt thing ("北京到成都的汽车时刻表")."""
        bare = text.strip(" 。.,，")
        shortest, longest = self.noun_phrase_length
        if not shortest <= len(bare) <= self.service_length or not _HAN.search(bare):
            return 0.0
        phrase = 0.0 if len(bare) > longest or _FUNCTION_CHARS.search(bare) else self.noun_phrase_weight
        if _NARRATIVE.search(bare):
            phrase = 0.0
        evidence = max(phrase, cues["service"].strength(bare) if not _NARRATIVE.search(bare) else 0.0)
        return evidence * (1.0 - max(cues["social"].strength(bare), cues["praise"].strength(bare)))

    @staticmethod
    def _question(text: str, cues: dict) -> float:
        """Question evidence: the question cues, else the question's form, weighed by what it is about."""
        cue = cues["question"].strength(text)
        if _WHY.search(text):
            form = _WHY_WEIGHT
        elif (_WH.search(text) and not _WH_INDEFINITE.search(text)) or _YES_NO.search(text):
            about = "others" if _ABOUT_OTHERS.search(text) else "self" if _ABOUT_SELF.search(text) else "thing"
            form = _FORM_WEIGHT[about]
        else:
            form = 0.0
        if form or cue:
            topic = cues["topic"].strength(text)
            if topic:  # about what a brand sells or does: "两件包邮嘛", "今天能发吗"
                return max(form, topic, cue)
        if len(_MEANINGFUL.findall(text)) < _MIN_QUESTION_CHARS:
            form = 0.0  # an elliptical follow-up ("哪天的?", "学什么") leans on the conversation
        strong = cue if cue >= _STRONG_QUESTION else 0.0  # 怎么办, 多少钱, 请问: never merely social
        return max(strong, max(form, cue) * (1.0 - cues["social"].strength(text)))

    def _load(self) -> dict:
        if self._cues is None:
            with self._lock:
                if self._cues is None:
                    cues: dict[str, Any] = {name: CueList.read(self.cue_dir / f"{name}.txt") for name in CUE_FILES}
                    verbs = [v.strip() for v in (self.cue_dir / "request.txt").read_text(encoding="utf-8").splitlines()
                             if v.strip() and not v.startswith("#")]
                    cues["request"] = re.compile(_FILLERS + _WANTING + "(?:" + "|".join(verbs) + ")", re.I)
                    self._cues = cues
        return self._cues


@cache
def default_reader() -> DemandReader:
    """The reader with the shipped cue lists (built on first call, shared afterwards)."""
    return DemandReader()


def read_demand(text: str, flags: Iterable[str] = frozenset()) -> Demand:
    """Demand type and score of one message with the shipped cue lists."""
    return default_reader().read(text, flags)


def demand_type(text: str) -> str:
    """Demand type of a text without clean flags (never "ad" or "system")."""
    return read_demand(text).type


def demand_mix(types: Sequence[str]) -> dict[str, float]:
    """Share of each demand type among a theme's messages (types with no message left out)."""
    counts = Counter(types)
    return {kind: round(counts[kind] / len(types), 4) for kind in DEMAND_TYPES if counts[kind]}


def demand_share(types: Sequence[str]) -> float:
    """Share of messages that voice a demand (need, question, complaint or suggestion)."""
    return sum(t in VOICING for t in types) / len(types) if types else 0.0


# --- echoes ----------------------------------------------------------------------------------

def _is_echo(text: str) -> bool:
    return "echo" in clean(text).flags


def _echoable(text: str) -> bool:
    return not clean(text).flags & {"system", "ad", "sticker"}


def _voices(text: str) -> bool:
    cleaned = clean(text)
    return read_demand(cleaned.text, cleaned.flags).voices


def attach_echoes(messages: Iterable[Any], window_seconds: float = 600, max_gap_messages: int = 10,
                  is_echo: Callable[[str], bool] = _is_echo, voices: Callable[[str], bool] = _voices,
                  echoable: Callable[[str], bool] = _echoable) -> dict[Any, Any]:
    """Map each echo's id ("+1", "同求", "我也想要", "蹲") to the id of the message it echoes.

    Messages need ``id, member, group, sent_at, text`` (nlp.records.ChatMessage, for one), in
    any order. The echoed message is in the same group, from another member, ``echoable`` (by
    default not a system notice, an ad or a sticker), not itself an echo, at most
    ``window_seconds`` earlier and among the group's last ``max_gap_messages`` such messages
    (so a run of "+1" does not push the original away). The most recent candidate that
    ``voices`` a demand wins, else the most recent candidate; an echo with none is left out.
    The defaults read texts with nlp.clean and the shipped demand cues.
    """
    window = timedelta(seconds=window_seconds)
    recent: dict[Any, deque] = defaultdict(lambda: deque(maxlen=max_gap_messages))
    voicing: dict[str, bool] = {}
    attached = {}
    for message in sorted(messages, key=lambda m: m.sent_at):
        if not is_echo(message.text):
            if echoable(message.text):
                recent[message.group].append(message)
            continue
        candidates = [m for m in reversed(recent[message.group])
                      if m.member != message.member and message.sent_at - m.sent_at <= window]
        for candidate in candidates:
            if candidate.text not in voicing:
                voicing[candidate.text] = voices(candidate.text)
            if voicing[candidate.text]:
                attached[message.id] = candidate.id
                break
        else:
            if candidates:
                attached[message.id] = candidates[0].id
    return attached


def echo_voices(messages: Iterable[Any], echoes: dict[Any, Any]) -> dict[Any, list[str]]:
    """Echoed message id -> the members who echoed it (distinct, its author left out, in order)."""
    author = {}
    for m in messages:
        author[m.id] = m.member
    voices: dict[Any, list[str]] = defaultdict(list)
    for echo, echoed in echoes.items():
        member = author.get(echo)
        if member is not None and member != author.get(echoed) and member not in voices[echoed]:
            voices[echoed].append(member)
    return dict(voices)


# --- evaluation ------------------------------------------------------------------------------

def binary_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, float]:
    """Precision, recall and f1 of the positive class, macro-F1 over both classes, accuracy."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} labels but {len(y_pred)} predictions")
    pairs = Counter((bool(t), bool(p)) for t, p in zip(y_true, y_pred))
    tp, fp, fn, tn = pairs[True, True], pairs[False, True], pairs[True, False], pairs[False, False]

    def f1(tp_: int, fp_: int, fn_: int) -> float:
        return 2 * tp_ / (2 * tp_ + fp_ + fn_) if tp_ else 0.0

    total = tp + fp + fn + tn
    return {"precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "f1": round(f1(tp, fp, fn), 4),
            "macro_f1": round((f1(tp, fp, fn) + f1(tn, fn, fp)) / 2, 4),
            "accuracy": round((tp + tn) / total, 4) if total else 0.0}


def evaluate_demand(texts: Sequence[str], labels: Sequence[int], reader: Any = None) -> dict:
    """Metrics of "voices a demand" (1) against labels, reading each text as the nightly flow
    does: cleaned by nlp.clean, its flags passed on. ``reader``: anything with ``read_all``
    (a DemandReader, a trained one); the shipped cue lists by default."""
    reader = reader or default_reader()
    cleaned = [clean(text) for text in texts]
    demands = reader.read_all([c.text for c in cleaned], [c.flags for c in cleaned])
    predicted = [int(d.voices) for d in demands]
    return binary_metrics(labels, predicted) | {"n": len(texts), "positives": int(sum(map(bool, labels)))}
