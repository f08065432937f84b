"""Offline lexicon + rules sentiment scorer for Chinese chat and review text.

No model weights and no network: hand-written word lists (``data/dicts/sentiment/``) plus a
handful of rules that Chinese sentiment usually follows:

* sentiment words (positive.txt / negative.txt, with optional weights);
* negation (不好吃, 不是很好, 没有失望) flips the next sentiment word within a short window;
  partial negators (不太, 不怎么) flip weakly, double negation keeps the sign;
* degree adverbs scale (很, 太, 有点 ...) and post-intensifiers (难吃死了, 好吃到爆);
  "太/过于 + plain adjective" (太咸了, 价格太高) and "有点 + plain adjective" read as complaints;
* turns: what follows 但是/可是/不过/然而 weighs more and what came before weighs less;
  a clause opened by 虽然/尽管 weighs less;
* emoji, platform sticker codes ([捂脸], [强], [泪]) and text emoticons (T_T, ^_^) add cues;
* exclamation marks amplify a sentence, a question damps it (positive cues more than negative
  ones, since complaints are often phrased as questions), and "???" reads as annoyance;
* a long wait (等了一个多小时, 两个小时才到, 晚了40分钟) adds a negative cue;
* the summed score is squashed with tanh into [-1, 1]. Text without any cue scores exactly 0.

Segmentation uses a private ``jieba.Tokenizer`` (the global ``jieba`` dictionary is never
touched) into which every lexicon entry is added, so that entries are not split.
"""
from __future__ import annotations

import math
import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from .base import SentimentScorer

DEFAULT_DICT_DIR = Path(__file__).resolve().parents[2] / "data" / "dicts" / "sentiment"

# File names inside the dictionary folder. positive/negative are required, the rest optional.
_FILES = {
    "positive": "positive.txt",
    "negative": "negative.txt",
    "negation": "negation.txt",
    "degree": "degree.txt",
    "degree_suffix": "degree_suffix.txt",
    "contrast": "contrast.txt",
    "concession": "concession.txt",
    "neutral": "neutral.txt",
    "emoji": "emoji.txt",
    "no_flip": "no_flip.txt",
}

# Rule constants (not word lists).
_SQUASH = 1.5                    # score = tanh(total / _SQUASH)
_FLIP_NEG_OF_NEG = 0.7           # 不难吃 / 不贵: a negated negative is a weaker positive
_NEG_THEN_DEGREE = 0.6           # 不是很好: negation before a degree adverb softens the flip
_DOUBLE_NEG = 0.8                # 不是不好: double negation keeps the sign, a bit weaker
_NO_FLIP = 0.5                   # 不给退款: a negated event word (no_flip.txt) stays negative, weaker
_NEG_WINDOW = 2                  # tokens a negation may reach across (degree words not counted)
_QUESTION_POS = 0.3              # question damping for positive cues
_QUESTION_NEG = 0.8              # ... and for negative cues
_MULTI_QUESTION = -0.3           # "？？？" reads as annoyance
_EXCLAIM_ONE = 1.3
_EXCLAIM_MANY = 1.5
_LONG_WAIT = -1.0                # 等了一个多小时 / 两个小时才到: a long wait is a complaint
_FAINT_PRAISE_BELOW = 0.6       # praise whose strongest cue is weaker (还行, 还好, 好的) ...
_FAINT_PRAISE = -0.3             # ... reads as lukewarm
_NEVER_AGAIN = -1.5              # 再也不会点了 / 不会再订: the customer is lost
_EXCESS_WORDS = {"太": -0.6, "太过": -0.6, "过于": -0.6, "忒": -0.6,
                 "有点": -0.3, "有点儿": -0.3, "有些": -0.3, "有一点": -0.3}
# Single characters that, after 太/有点, are not "plain adjectives" (太想你了, 有点事).
_EXCESS_STOP = set("想是有会能要可给让把被在了的吧啊呀哦呢吗么多事点儿像得也都就还又再去来说看做")
# Quality adjectives that jieba glues to 太 (太油, 太冷, 太嫩); 太阳, 太太, 太空 stay whole.
_EXCESS_ADJECTIVES = set("油咸淡甜辣酸苦硬软干稀稠腻小大少多慢久冷凉热烫贵重轻薄厚粗细长短远乱吵挤黑浅深老生嫩焦肥素烂差难")
# Sentence-final particles: a gated word (好, 快) counts when followed by one of these.
_PARTICLES = {"了", "啊", "呀", "的", "哦", "哈", "滴", "呢", "啦", "哒", "喔", "噢", "嘞", "哇", "嘛", "耶", "!"}
_QUESTION_FINALS = {"吗", "么"}
# Ambiguous words that count as sentiment only when used predicatively (clause-final,
# before a particle, or after a degree adverb / negation): 好 in 好想你, 快 in 快过年了.
_GATED = {"好", "快", "强", "美", "香", "爱", "鲜", "甜", "值", "乐", "一般", "足"}
# Turn words below this weight act only at the start of a clause (就是有点慢, 结果...).
_POSITIONAL_TURN_BELOW = 1.3
# Comparisons negate praise further away than plain negation does: 没有上次的好吃, 不如实体店的好吃.
_COMPARATIVES = {"没有", "没", "不如", "还不如", "比不上", "赶不上", "远不如"}
_COMPARE_WINDOW = 5

_BREAK = None  # clause-break marker in a token stream

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RE = re.compile(r"[a-z0-9]+")
_WORDISH_RE = re.compile(r"[\w\u4e00-\u9fff]")
_DROP_CHARS = dict.fromkeys([0xFE0E, 0xFE0F, 0x200D, 0x20E3] + list(range(0x1F3FB, 0x1F400)))
_REPEAT_RULES = [
    (re.compile(r"([哈呵嘿嘻呜嘤])\1{2,}"), r"\1\1"),          # 哈哈哈哈 -> 哈哈
    (re.compile(r"(?<![a-z])h{3,}(?![a-z])"), "hhh"),
    (re.compile(r"(?<![0-9])23{3,}(?![0-9])"), "2333"),
    (re.compile(r"(?<![0-9])6{3,}(?![0-9])"), "666"),
    (re.compile(r"(?<![0-9])5{3,}(?![0-9])"), "555"),
]
_NUM = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十几半]+)"
# A long wait: a waiting/delay verb before a duration (等了半小时, 晚了40分钟, 送了3天), or an hour/day
# duration followed by 才 (一个多小时才到). "20分钟就到了", "不到半小时", "提前了20分钟" do not match.
_LONG_WAIT_RE = re.compile(
    rf"(?:等了|送了|晚了|迟了|用了|花了|超过|延迟了?|晚到了?)(?:快|近|将近|足足|整整)?{_NUM}多?个?[多半]?(?:小时|钟头|分钟|天)"
    rf"|(?<![不没才就])(?<!不到){_NUM}个?[多半]?(?:小时|钟头|天)多?(?:之后|以后|后)?才"
    rf"|(?:送餐|配送|送货|历时|用时|长达|将近|接近|足足|整整)(?:时间)?(?:是|为|要)?{_NUM}个?[多半]?(?:小时|钟头|天)"
    rf"|(?<![不没才就早快提前])(?<!不到|早了|快了){_NUM}个?[多半]?(?:小时|钟头)多?(?:之后|以后|后)?(?:还没|没|送到|送来|送达|收到)"
)
# Never again: 再也不会点了, 不会再订, 以后还是不来了 (but not 再也不用担心).
_NEVER_AGAIN_RE = re.compile(
    r"(?:再也不|再不|不会再|不会在|不再|永远不|以后还?是?不|下次不)(?:会|敢|想|要|准备)?[再在]?"
    r"(?:点|订|定|买|来|光顾|吃|喝|用|去|叫|下单|选)(?!担心|愁|怕|操心)"
)
_PATTERNS = [("long wait", _LONG_WAIT_RE, _LONG_WAIT), ("never again", _NEVER_AGAIN_RE, _NEVER_AGAIN)]
_SENT_PUNCT = r"。！？!?…\n\r;；~～"
_CLAUSE_PUNCT = r",，、:：()（）\"“”‘’'\s·—/|\[\]【】《》<>「」『』*#@&+=_"


def _normalize(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower().translate(_DROP_CHARS)
    for pattern, repl in _REPEAT_RULES:
        t = pattern.sub(repl, t)
    return t


def read_word_list(path: str | Path) -> dict[str, float | None]:
    """Read ``word[<TAB>weight]`` lines (UTF-8). ``#`` starts a comment line; blanks are skipped.

    Returns word -> weight, or None where no weight was given.
    """
    out: dict[str, float | None] = {}
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            word, sep, weight = line.partition("\t")
            word = _normalize(word.strip())
            if not word:
                continue
            if sep and weight.strip():
                try:
                    out[word] = float(weight.strip())
                except ValueError as exc:
                    raise ValueError(f"{path}:{lineno}: bad weight {weight!r}") from exc
            else:
                out[word] = None
    return out


def _default_cache_dir() -> Path | None:
    base = os.environ.get("QUNSHENG_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "qunsheng"
    path = root / "jieba"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


def _build_tokenizer(words: Iterable[str], cache_dir: Path | None):
    """A private jieba tokenizer (the global one is never touched) that keeps each word whole."""
    import logging

    import jieba  # imported lazily: building the scorer costs nothing until first use

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    if cache_dir is not None:
        try:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            tk.tmp_dir = str(cache_dir)
        except OSError:
            pass  # fall back to jieba's default (the system temp dir)
    tk.initialize()
    boost = 3000  # about the frequency of a common word such as 好吃 in jieba's dictionary
    for w in sorted(words):
        if len(w) < 2 or not _WORDISH_RE.search(w):
            continue
        have = tk.FREQ.get(w) or 0
        if have < boost:
            tk.add_word(w, max(boost, tk.suggest_freq(w, False)))
    return tk


_TOKENIZERS: dict[tuple[str, frozenset[str]], object] = {}
_TOKENIZERS_LOCK = threading.Lock()


class LexiconSentiment(SentimentScorer):
    """Lexicon + rules polarity scorer: -1 very negative, 0 neutral (no cue), +1 very positive."""

    name = "lexicon"

    def __init__(self, dict_dir: str | Path | None = None, *, cache_dir: str | Path | None = None):
        self.dict_dir = Path(dict_dir) if dict_dir is not None else DEFAULT_DICT_DIR
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()
        self._loaded = False
        self._decomp_cache: dict[str, tuple[str, ...]] = {}

    # ------------------------------------------------------------------ loading
    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            lists = {}
            for key, fname in _FILES.items():
                path = self.dict_dir / fname
                if path.is_file():
                    lists[key] = read_word_list(path)
                elif key in ("positive", "negative"):
                    raise FileNotFoundError(f"sentiment lexicon file missing: {path}")
                else:
                    lists[key] = {}

            def weights(d: dict[str, float | None], default: float) -> dict[str, float]:
                return {w: (default if v is None else v) for w, v in d.items()}

            sentiment: dict[str, float] = {}
            for w, v in weights(lists["negative"], 1.0).items():
                sentiment[w] = -abs(v)
            for w, v in weights(lists["positive"], 1.0).items():
                sentiment[w] = abs(v)  # a word in both lists reads as positive
            for w in lists["neutral"]:
                sentiment[w] = 0.0
            self._sentiment = sentiment
            self._negation = weights(lists["negation"], 1.0)
            self._degree = weights(lists["degree"], 1.5)
            self._suffix = weights(lists["degree_suffix"], 1.5)
            self._contrast = weights(lists["contrast"], 1.5)
            self._concession = weights(lists["concession"], 0.5)
            self._no_flip = set(lists["no_flip"])
            self._emoji = {w: v for w, v in weights(lists["emoji"], 0.0).items() if v}
            self._prefixes = sorted(set(self._negation) | set(self._degree), key=len, reverse=True)
            self._suffix_max = max((len(s) for s in self._suffix), default=0)

            emo_alt = "|".join(re.escape(k) for k in sorted(self._emoji, key=len, reverse=True))
            parts = []
            if emo_alt:
                parts.append(f"(?P<emo>{emo_alt})")
            parts.append(r"(?P<code>\[[^\[\]\s]{1,10}\])")
            parts.append(rf"(?P<sent>[{_SENT_PUNCT}]+|\.{{3,}})")
            parts.append(rf"(?P<clause>[{_CLAUSE_PUNCT}]+)")
            self._split_re = re.compile("|".join(parts))

            self._tokenizer = self._make_tokenizer()
            self._loaded = True

    def _make_tokenizer(self):
        words = frozenset(
            set(self._sentiment) | set(self._negation) | set(self._degree)
            | set(self._suffix) | set(self._contrast) | set(self._concession)
        )
        cache_dir = self._cache_dir or _default_cache_dir()
        key = (str(cache_dir), words)
        with _TOKENIZERS_LOCK:  # scorers with the same word lists share one tokenizer (~0.5 s each)
            tk = _TOKENIZERS.get(key)
            if tk is None:
                tk = _TOKENIZERS[key] = _build_tokenizer(words, cache_dir)
        return tk

    # ------------------------------------------------------------- tokenizing
    def _known(self, w: str) -> bool:
        return (w in self._sentiment or w in self._negation or w in self._degree
                or w in self._contrast or w in self._concession or w in self._suffix)

    def _decompose(self, w: str, depth: int = 0) -> tuple[str, ...] | None:
        """Split an unknown token into negation/degree prefixes + a sentiment word
        (很好 -> 很 好, 超不爽 -> 超 不 爽) or a sentiment word + an intensifier (难吃死)."""
        if depth > 2 or len(w) < 2:
            return None
        for p in self._prefixes:
            if len(p) < len(w) and w.startswith(p):
                rest = w[len(p):]
                if rest in self._sentiment and self._sentiment[rest] != 0.0:
                    return (p, rest)
                sub = self._decompose(rest, depth + 1)
                if sub is not None:
                    return (p, *sub)
        for n in range(min(self._suffix_max, len(w) - 1), 0, -1):
            head, tail = w[:-n], w[-n:]
            if tail in self._suffix and head in self._sentiment and self._sentiment[head] != 0.0:
                return (head, tail)
        if w[-1] in _PARTICLES:  # 太好了 -> 太 好 了
            head = w[:-1]
            if self._sentiment.get(head):
                return (head, w[-1])
            sub = self._decompose(head, depth + 1)
            if sub is not None:
                return (*sub, w[-1])
        if w[0] in _EXCESS_WORDS and len(w) == 2 and w[1] in _EXCESS_ADJECTIVES:
            return (w[0], w[1])  # 太油 -> 太 油, read by the excess rule
        for n in range(len(w) - 2, 0, -1):  # 服务到位 -> 服务 到位: a topic + a sentiment word
            head, tail = w[:n], w[n:]
            if self._sentiment.get(tail) and not self._known(head):
                return (head, tail)
        return None

    def _cut(self, chunk: str, out: list) -> None:
        toks = self._tokenizer.lcut(chunk, HMM=False)
        # jieba splits a latin run at dictionary prefixes (goodbye -> good + bye): glue it back.
        merged: list[str] = []
        for tok in toks:
            if merged and _LATIN_RE.fullmatch(tok) and _LATIN_RE.fullmatch(merged[-1]):
                merged[-1] += tok
            else:
                merged.append(tok)
        for tok in merged:
            if not _WORDISH_RE.search(tok):
                out.append(_BREAK)
                continue
            if not self._known(tok) and len(tok) >= 2:
                parts = self._decomp_cache.get(tok)
                if parts is None:
                    parts = self._decompose(tok) or (tok,)
                    if len(self._decomp_cache) > 200_000:
                        self._decomp_cache.clear()
                    self._decomp_cache[tok] = parts
                out.extend(parts)
            else:
                out.append(tok)

    def _sentences(self, t: str) -> list[tuple[list, str]]:
        """Split normalized text into sentences of tokens (str words, float emoji cues, breaks)."""
        sentences: list[tuple[list, str]] = []
        cur: list = []
        pos = 0
        for m in self._split_re.finditer(t):
            if m.start() > pos:
                self._cut(t[pos:m.start()], cur)
            kind = m.lastgroup
            if kind == "emo":
                cur.append(self._emoji[m.group()])
            elif kind == "code":
                weight = self._emoji.get(m.group())
                cur.append(weight if weight is not None else _BREAK)
            elif kind == "sent":
                sentences.append((cur, m.group()))
                cur = []
            else:
                cur.append(_BREAK)
            pos = m.end()
        if pos < len(t):
            self._cut(t[pos:], cur)
        if cur:
            sentences.append((cur, ""))
        return sentences

    # ---------------------------------------------------------------- scoring
    def _is_sentiment_at(self, toks: list, j: int) -> bool:
        if j >= len(toks):
            return False
        tok = toks[j]
        return isinstance(tok, str) and self._sentiment.get(tok, 0.0) != 0.0

    def _positive_ahead(self, toks: list, j: int) -> bool:
        """A positive sentiment word before the end of the clause (for 不如 X 好吃)."""
        for tok in toks[j:j + _COMPARE_WINDOW + 1]:
            if not isinstance(tok, str):
                return False
            if self._sentiment.get(tok, 0.0) > 0:
                return True
        return False

    def _raw_score(self, text: str, trace: list | None = None) -> float:
        if not text:
            return 0.0
        t = _normalize(text)
        if not t.strip():
            return 0.0
        total = 0.0
        praise = 0.0  # the strongest single positive cue
        for toks, end in self._sentences(t):
            s_pos = s_neg = 0.0
            after = 1.0        # weight after a turn (但是 ...)
            conc = 1.0         # concession weight for the rest of the clause (虽然 ...)
            neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
            deg, deg_first, last_deg = 1.0, False, None
            clause_start = True
            last_word = None
            n = len(toks)
            i = 0

            def add(c: float, cue: str) -> None:
                nonlocal s_pos, s_neg, praise
                c *= conc * after
                if c > 0:
                    s_pos += c
                    praise = max(praise, c)
                else:
                    s_neg += c
                if trace is not None:
                    trace.append((cue, round(c, 3)))

            while i < n:
                tok = toks[i]
                if tok is _BREAK:
                    neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
                    deg, deg_first, last_deg = 1.0, False, None
                    conc = 1.0
                    clause_start = True
                    i += 1
                    continue
                if isinstance(tok, float):
                    add(tok, "emoji")
                    i += 1
                    continue
                w = tok
                last_word = w
                # --- turn (但是) -------------------------------------------------
                tw = self._contrast.get(w)
                if tw is not None and (tw >= _POSITIONAL_TURN_BELOW or clause_start) and (
                        total or s_pos or s_neg):
                    before = max(0.2, 2.0 - tw)
                    total *= before
                    s_pos *= before
                    s_neg *= before
                    after = tw
                    conc = 1.0
                    neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
                    deg, deg_first, last_deg = 1.0, False, None
                    clause_start = False
                    if trace is not None:
                        trace.append((w, f"turn x{tw}"))
                    i += 1
                    continue
                clause_start = False
                if w in self._concession:
                    conc = self._concession[w]
                    i += 1
                    continue
                # --- negation ----------------------------------------------------
                ns = self._negation.get(w)
                if ns is None and w in _COMPARATIVES and self._positive_ahead(toks, i + 1):
                    ns = 1.0  # 不如以前好吃: the comparison negates the praise that follows
                if ns is not None:
                    if neg_gap >= 2:  # 不用尝了不好吃 (but 没有人不喜欢 is a double negation)
                        neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
                    neg_far = neg_far or w in _COMPARATIVES
                    if neg_n == 0:
                        deg_first = deg != 1.0
                    neg_n += 1
                    neg_s *= ns
                    neg_gap = 0
                    i += 1
                    continue
                val = self._sentiment.get(w)
                nxt = toks[i + 1] if i + 1 < n else None
                # --- A-not-A question (好不好吃, 满不满意) carries no polarity ----------
                if (val or w in self._degree) and isinstance(nxt, str) and nxt[:1] in ("不", "没"):
                    if len(nxt) == 1 and i + 2 < n and isinstance(toks[i + 2], str) \
                            and toks[i + 2][:1] == w[:1]:
                        i += 3
                        continue
                    if len(nxt) > 1 and nxt[1] == w[0]:
                        i += 2
                        continue
                # --- degree adverb -----------------------------------------------
                dm = self._degree.get(w)
                if dm is not None:
                    if not val or self._is_sentiment_at(toks, i + 1) or (
                            isinstance(nxt, str) and (nxt in self._negation or nxt in self._degree)):
                        deg = min(deg * dm, 4.0)
                        last_deg = w
                        i += 1
                        continue
                # --- sentiment word ----------------------------------------------
                if val:
                    if w in _GATED and deg == 1.0 and neg_n == 0 and not (
                            nxt is None or nxt is _BREAK or isinstance(nxt, float) or nxt in _PARTICLES):
                        neg_gap += 1
                        i += 1
                        continue
                    # post-intensifier: 难吃死了, 好吃得很
                    post, used = 1.0, 0
                    for span in (3, 2, 1):
                        if i + span < n and all(isinstance(x, str) for x in toks[i + 1:i + 1 + span]):
                            m = self._suffix.get("".join(toks[i + 1:i + 1 + span]))
                            if m is not None:
                                post, used = m, span
                                break
                    if neg_n % 2 == 1 and w in self._no_flip and val < 0:
                        c = val * _NO_FLIP
                    elif neg_n % 2 == 1:
                        flip = 1.0 if val > 0 else _FLIP_NEG_OF_NEG
                        if deg_first:            # 很不好: degree scales the negated word
                            c = -val * deg * neg_s * flip
                        elif deg != 1.0:         # 不是很好: softened
                            c = -val * neg_s * _NEG_THEN_DEGREE * flip
                        else:
                            c = -val * neg_s * flip
                    elif neg_n:
                        c = val * deg * _DOUBLE_NEG
                    else:
                        c = val * deg * post
                    add(c, w)
                    neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
                    deg, deg_first, last_deg = 1.0, False, None
                    i += 1 + used
                    continue
                # --- plain token -------------------------------------------------
                if last_deg in _EXCESS_WORDS and neg_n == 0 and len(w) == 1 \
                        and w not in _EXCESS_STOP and _HAN_RE.match(w):
                    add(_EXCESS_WORDS[last_deg], f"{last_deg}{w}")
                deg, deg_first, last_deg = 1.0, False, None
                if neg_n:
                    neg_gap += 1
                    if neg_gap > (_COMPARE_WINDOW if neg_far else _NEG_WINDOW):
                        neg_n, neg_s, neg_gap, neg_far = 0, 1.0, 0, False
                i += 1
            # --- sentence end ------------------------------------------------------
            n_q = end.count("?")
            n_e = end.count("!")
            if n_q or (last_word in _QUESTION_FINALS):
                s_pos *= _QUESTION_POS
                s_neg *= _QUESTION_NEG
            if n_q >= 2:
                s_neg += _MULTI_QUESTION
            if n_e:
                amp = _EXCLAIM_ONE if n_e == 1 else _EXCLAIM_MANY
                s_pos *= amp
                s_neg *= amp
            total += s_pos + s_neg
        for name, pattern, weight in _PATTERNS:  # counted once per mention, outside the clause rules
            hits = len(pattern.findall(t))
            if hits:
                total += hits * weight
                if trace is not None:
                    trace.append((name, hits * weight))
        if 0 < total and praise < _FAINT_PRAISE_BELOW:  # 还行吧 / 还可以 alone is lukewarm, not praise
            total += _FAINT_PRAISE
            if trace is not None:
                trace.append(("faint praise", _FAINT_PRAISE))
        return total

    def score(self, texts: Sequence[str]) -> list[float]:
        self._load()
        out = []
        for text in texts:
            if not isinstance(text, str):  # tolerate None / NaN from data frames
                text = "" if text is None or text != text else str(text)
            raw = self._raw_score(text)
            out.append(math.tanh(raw / _SQUASH) if raw else 0.0)
        return out

    def explain(self, text: str) -> tuple[float, list[tuple[str, object]]]:
        """Score one text and return the cues that contributed: (score, [(cue, contribution)])."""
        self._load()
        trace: list = []
        raw = self._raw_score(text or "", trace)
        return (math.tanh(raw / _SQUASH) if raw else 0.0), trace
