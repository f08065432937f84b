"""Chinese word segmentation with jieba, the domain dictionary and stopwords in data/dicts/.

Two engines give the same tokens (the tests and `benchmarks/segment.py` check it):

- ``"jieba"``: ``jieba.Tokenizer.lcut`` with HMM on, the reference.
- ``"rjieba"`` (the default where the wheel is installed; 3.7x jieba's speed on one core,
  5.5x with two workers): the jieba tokenizer's own dictionary (and its total) is copied
  into an empty rjieba (jieba's Rust port), which finds the best route through the word
  graph with HMM off; jieba's regular expressions split the text into blocks, and runs of
  single characters go through jieba's HMM here in Python, with jieba's probabilities,
  arithmetic order and tie-breaks. rjieba's own HMM and text splitting are not used: its
  probabilities differ in the last digits, it keeps "37-38" or "T.T" whole and reads more
  characters as Chinese (927 of 145k real texts came out differently).

Dictionary entries (``word [freq] [tag]``, as in jieba) come from ``userdict.txt``, then
``communities/<community>.txt`` when that file exists, then ``user_words`` (for example
the words ``nlp.newwords.discover`` found in the community's messages).
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import re
import signal
import sys
from collections.abc import Container, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, NamedTuple

DICTS = Path(__file__).resolve().parents[1] / "data" / "dicts"
WORDLIKE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]{2,}")
TOTAL_BALANCE = "\u3002total"  # never inside a jieba block (it holds "。"), so it never matches text
PARALLEL_MIN_CHARS = 200_000  # below this a worker pool costs more than it saves (measured: 150k)
CHUNK_TEXTS = 4_000

Engine = Literal["auto", "rjieba", "jieba"]
log = logging.getLogger(__name__)
#: jieba part-of-speech tags of words that carry no topic: conjunctions, prepositions, pronouns,
#: particles, interjections (总是, 如何, 这种, 哈哈). Adverbs stay: jieba's dictionary tags 绝地 (求生)
#: and 真实 as adverbs
FUNCTION_TAGS = frozenset({"c", "p", "r", "u", "ud", "ug", "uj", "ul", "uv", "uz", "y", "e", "o", "zg"})
#: numerals that count one or a few of something (一块, 一款, 几天); 六个月 and 五分钟 say something
VAGUE_NUMBER = re.compile(r"^[一几多]")


def read_words(path: Path) -> list[str]:
    """One entry per line; blank lines and lines starting with # are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def parse_entry(entry: str) -> tuple[str, int | None, str | None]:
    """``word [freq] [tag]`` -> (word, freq or None, tag or None), as jieba's user dictionaries."""
    word, *rest = entry.split()
    freq = int(rest[0]) if rest and rest[0].isdigit() else None
    tags = [part for part in rest if not part.isdigit()]
    return word, freq, tags[0] if tags else None


def community_dictionary(dict_dir: Path, community: str) -> Path:
    if not community or community.startswith(".") or "/" in community or "\\" in community:
        raise ValueError(f"not a community name for a dictionary file: {community!r}")
    return dict_dir / "communities" / f"{community}.txt"


class Segmenter:
    """A private jieba tokenizer (the global one is left alone) with the project's dictionaries.

    ``tokens`` keeps every word (for embeddings); ``keywords`` drops stopwords, single
    characters and non-words (for keyword extraction and tags).
    """

    def __init__(self, user_words: Iterable[str] = (), dict_dir: Path = DICTS, cache_file: Path | None = None,
                 community: str | None = None, engine: Engine = "auto"):
        self.dict_dir = Path(dict_dir)
        self.community = community
        self.user_words = tuple(user_words)
        entries = read_words(self.dict_dir / "userdict.txt")
        if community is not None and (path := community_dictionary(self.dict_dir, community)).exists():
            entries += read_words(path)
        self._setup(tuple(entries) + self.user_words, frozenset(read_words(self.dict_dir / "stopwords.txt")),
                    cache_file, engine)

    def _setup(self, entries: tuple[str, ...], stopwords: frozenset[str], cache_file: Path | None,
               engine: Engine) -> None:
        self.entries, self.stopwords, self._cache_file = entries, stopwords, cache_file
        self._tokenizer = _jieba_tokenizer(cache_file)
        for entry in entries:
            self._tokenizer.add_word(*parse_entry(entry))
        self.engine = resolve_engine(engine)
        self._route = _RustRoute(self._tokenizer) if self.engine == "rjieba" else None

    def __reduce__(self):
        """Pickled as its resolved dictionary, so a worker process rebuilds the same tokenizer."""
        return _rebuild, (self.entries, self.stopwords, self._cache_file, self.engine,
                          self.dict_dir, self.community, self.user_words)

    @property
    def vocabulary(self) -> Container[str]:
        """The words of this tokenizer's dictionary (jieba's, the project's, the community's, user words)."""
        return _Vocabulary(self._tokenizer.FREQ)

    def cut(self, text: str) -> list[str]:
        """Exactly ``jieba.Tokenizer.lcut(text)`` (HMM on) with this dictionary, whitespace included."""
        return self._route.cut(text) if self._route is not None else self._tokenizer.lcut(text)

    def tokens(self, text: str) -> list[str]:
        return [w for w in self.cut(text) if w.strip()]

    def keywords(self, text: str) -> list[str]:
        return [w for w in self.tokens(text) if self.is_keyword(w)]

    def is_keyword(self, word: str) -> bool:
        return len(word) >= 2 and word.lower() not in self.stopwords and bool(WORDLIKE.search(word))

    def segment_all(self, texts: Sequence[str], workers: int = 2) -> list[list[str]]:
        """``tokens`` of every text; with ``workers`` > 1 and enough text, in a pool of processes
        (forked, so they share the built dictionary), with the same tokens."""
        workers = min(workers, _available_cpus())
        if workers <= 1 or sum(map(len, texts)) < PARALLEL_MIN_CHARS:
            return [self.tokens(t) for t in texts]
        chunks = [texts[i:i + CHUNK_TEXTS] for i in range(0, len(texts), CHUNK_TEXTS)]
        try:
            with _pool_context().Pool(min(workers, len(chunks)), _start_worker, (self,)) as pool:
                parts = pool.map(_segment_chunk, chunks)
        except OSError as error:  # no semaphores or no fork in this sandbox: one process is still right
            log.warning("segmenting in one process: %s", error)
            return [self.tokens(t) for t in texts]
        return [joined.split("\n") if joined else [] for part in parts for joined in part]

    def keywords_all(self, texts: Sequence[str], workers: int = 2) -> list[list[str]]:
        """``keywords`` of every text. A text said many times ("+1", "收到", a shared link) is segmented
        once and its list shared, and words are interned: at a million messages this is a third of
        the segmenting time and most of the memory. Treat the lists as read-only."""
        unique = list(dict.fromkeys(texts))
        lists = ([sys.intern(w) for w in tokens if self.is_keyword(w)] for tokens in self.segment_all(unique, workers))
        found = dict(zip(unique, lists))
        return [found[t] for t in texts]


def function_word(word: str) -> bool:
    """Whether jieba's dictionary tags ``word`` as a function word (``FUNCTION_TAGS``) or a vague
    number (``VAGUE_NUMBER``): fine for clustering, wrong in a theme's name. Words outside jieba's
    dictionary (brand and community words, the HMM's new words) are content."""
    return word in _tagged_words().function


#: words that tell how a story went on, not what it is about: a name does not start with them (结果周末)
DISCOURSE = frozenset({"结果", "然后", "后来", "最后", "其实", "感觉", "反正", "果然", "居然", "竟然"})


#: the morphemes of place words that say only where (以上, 后面, 之前), not what (附近, 北方 and 楼下 keep a thing)
POSITION = frozenset("上下前后左右里外内中间面边头旁侧底之以")
#: a pronoun or question word the HMM glues to the verb after it in chat (我来, 我点, 你播, 哪有)
PRONOUN = frozenset("我你他她它咱哪谁")


def light_word(word: str) -> bool:
    """Whether ``word`` says nothing of what a theme is about, so is none of its keywords: a function
    word, a discourse word (结果), a word glued to its measure word (两个, 洗个), a place word made of
    position morphemes only (以上, 后面) or a pronoun the HMM glued to its verb (我来, 你播)."""
    return (function_word(word) or word in DISCOURSE or _glued_measure(word) or word in _tagged_words().positions
            or _glued_pronoun(word))


def opens_name(word: str) -> bool:
    """Whether a theme's name may start with ``word``: not a discourse word (结果) nor a verb the HMM
    glued to its measure word (洗个 of 洗个澡). Adverbs may (一直长痘; jieba tags 绝地 of 绝地求生 as one)."""
    return word not in DISCOURSE and not _glued_measure(word)


#: verbs that wait for the verb they govern (jieba tags them plain v): a name does not end on one (优惠不能)
MODALS = frozenset({"不能", "可以", "能够", "应该", "需要", "不会", "不想", "想要", "能不能", "可不可以", "会不会",
                    "要不要", "想不想"})


def closes_name(word: str) -> bool:
    """Whether a theme's name may end with ``word``: not an adverb (满减到底), a number (放假两只), a
    modal verb (优惠不能) or a verb glued to its measure word."""
    tagged = _tagged_words()
    return (word not in tagged.adverbs and word not in tagged.numbers and word not in MODALS
            and not _glued_measure(word))


def _glued_measure(word: str) -> bool:
    return len(word) > 1 and word.endswith("个")


def _glued_pronoun(word: str) -> bool:
    """Two characters, a pronoun first, that jieba's dictionary does not hold (它们 and 哪里 it does)."""
    return len(word) == 2 and word[0] in PRONOUN and word not in _tagged_words().pronoun_led


class TaggedWords(NamedTuple):
    """Of jieba's dictionary: its function words, adverbs, numbers, place words of position morphemes
    only, and its two-character words that start with a pronoun."""

    function: frozenset[str]
    adverbs: frozenset[str]
    numbers: frozenset[str]
    positions: frozenset[str]
    pronoun_led: frozenset[str]


@lru_cache(maxsize=1)
def _tagged_words() -> TaggedWords:
    import jieba

    function, adverbs, numbers, positions, pronoun_led = set(), set(), set(), set(), set()
    with jieba.get_dict_file() as lines:  # "word freq tag" per line
        for line in lines:
            word, _, tag = line.decode("utf-8").split()
            if tag in FUNCTION_TAGS or tag == "m" and VAGUE_NUMBER.match(word):
                function.add(word)
            if tag in ("d", "ad"):
                adverbs.add(word)
            elif tag == "m":
                numbers.add(word)
            elif tag == "f" and set(word) <= POSITION:
                positions.add(word)
            if len(word) == 2 and word[0] in PRONOUN:
                pronoun_led.add(word)
    return TaggedWords(*map(frozenset, (function, adverbs, numbers, positions, pronoun_led)))


def _jieba_tokenizer(cache_file: Path | None):
    """A fresh ``jieba.Tokenizer`` holding a copy of jieba's dictionary, as ``initialize()`` leaves it."""
    import jieba

    freq, total = _jieba_dictionary(None if cache_file is None else str(cache_file))
    tokenizer = jieba.Tokenizer()
    tokenizer.cache_file = None if cache_file is None else str(cache_file)
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(freq), total, True
    return tokenizer


@lru_cache(maxsize=2)
def _jieba_dictionary(cache_file: str | None) -> tuple[dict[str, int], int]:
    """jieba's dictionary, loaded once per process (0.5 s; a copy then takes 10 ms)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.cache_file = cache_file
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def resolve_engine(engine: Engine) -> Literal["rjieba", "jieba"]:
    if engine not in ("auto", "rjieba", "jieba"):
        raise ValueError(f"unknown segmentation engine {engine!r}: auto, rjieba or jieba")
    if engine == "jieba":
        return "jieba"
    try:
        import rjieba  # noqa: F401
    except ImportError:
        if engine == "rjieba":
            raise
        log.warning("rjieba is not installed: segmenting with jieba alone (same tokens, about 5x slower)")
        return "jieba"
    return "rjieba"


class _Vocabulary(Container[str]):
    def __init__(self, freq: dict[str, int]):
        self._freq = freq

    def __contains__(self, word: object) -> bool:
        return bool(self._freq.get(word))  # jieba keeps word prefixes with frequency 0


class _RustRoute:
    """jieba's ``__cut_DAG`` (HMM on): the route from rjieba over jieba's exact dictionary, HMM in Python."""

    def __init__(self, tokenizer):
        import jieba
        import rjieba

        self._tokenizer, self._freq = tokenizer, tokenizer.FREQ
        self._han, self._skip = jieba.re_han_default, jieba.re_skip_default
        self._rust = rjieba.Jieba.empty()
        mirrored, self._ascii_letter_words = 0, False
        for word, freq in self._freq.items():
            if freq:  # frequency 0 marks a prefix, or a word deleted on purpose: not in the route
                self._rust.add_word(word, freq, "")
                mirrored += freq
                self._ascii_letter_words |= len(word) == 1 and word.isascii() and word.isalnum()
        if tokenizer.total > mirrored:  # jieba adds a re-added word's frequency to its total again
            self._rust.add_word(TOTAL_BALANCE, tokenizer.total - mirrored, "")
        self._hmm = _JiebaHmm()

    def cut(self, text: str) -> list[str]:
        pieces = self._han.split(text)  # [other, block, other, block, ..., other]
        if len(pieces) == 1:
            return self._cut_other(text, [])
        steps = iter(self._rust.cut("\n".join(pieces[1::2]), False))  # "\n" separates blocks' routes
        words: list[str] = []
        try:
            for i, piece in enumerate(pieces):
                if i % 2:
                    self._cut_block(steps, words)
                elif piece:
                    self._cut_other(piece, words)
        except _Ambiguous:
            return self._tokenizer.lcut(text)
        return words

    def _cut_block(self, steps, words: list[str]) -> None:
        freq, singles = self._freq, ""
        for step in steps:
            if step == "\n":
                break
            if len(step) > 1 and step.isascii() and step.isalnum():
                # rjieba joins a run of one-letter/digit steps into one token. A dictionary word
                # spelled the same always beats that run, unless one-letter words are in the dictionary.
                if not freq.get(step):
                    singles += step
                    continue
                if self._ascii_letter_words:
                    raise _Ambiguous
            if len(step) == 1:
                singles += step
            else:
                if singles:
                    self._cut_singles(singles, words)
                    singles = ""
                words.append(step)
        if singles:
            self._cut_singles(singles, words)

    def _cut_singles(self, run: str, words: list[str]) -> None:
        if len(run) == 1:
            words.append(run)
        elif self._freq.get(run):
            words.extend(run)
        else:
            words.extend(self._hmm.cut(run))

    def _cut_other(self, piece: str, words: list[str]) -> list[str]:
        for part in self._skip.split(piece):
            if self._skip.match(part):
                words.append(part)
            else:
                words.extend(part)
        return words


class _Ambiguous(Exception):
    """rjieba's route output cannot say which steps jieba took: cut this text with jieba."""


class _JiebaHmm:
    """``jieba.finalseg.cut`` with the same floating-point sums in the same order, and the same
    tie-breaks as its ``max`` over (probability, state) tuples; about 4x faster."""

    MIN_FLOAT = -3.14e100

    def __init__(self):
        from jieba import finalseg

        self._finalseg = finalseg
        start, trans, emit = finalseg.start_P, finalseg.trans_P, finalseg.emit_P
        self._start = start["B"], start["E"], start["M"], start["S"]
        self._trans = (trans["B"]["E"], trans["B"]["M"], trans["E"]["B"], trans["E"]["S"],
                       trans["M"]["E"], trans["M"]["M"], trans["S"]["B"], trans["S"]["S"])
        self._emit = emit["B"], emit["E"], emit["M"], emit["S"]

    def cut(self, text: str) -> list[str]:
        fs, words = self._finalseg, []
        for block in fs.re_han.split(text):
            if not block:
                continue
            if fs.re_han.match(block):
                for word in self._cut_han(block):
                    words.extend(word if word in fs.Force_Split_Words else (word,))
            else:
                words.extend(part for part in fs.re_skip.split(block) if part)
        return words

    def _cut_han(self, text: str) -> list[str]:
        states = self._viterbi(text)
        words, begin, next_i = [], 0, 0
        for i, state in enumerate(states):
            if state == 0:  # B
                begin = i
            elif state == 1:  # E
                words.append(text[begin:i + 1])
                next_i = i + 1
            elif state == 3:  # S
                words.append(text[i])
                next_i = i + 1
        if next_i < len(text):
            words.append(text[next_i:])
        return words

    def _viterbi(self, text: str) -> list[int]:
        low = self.MIN_FLOAT
        b_e, b_m, e_b, e_s, m_e, m_m, s_b, s_s = self._trans
        emit_b, emit_e, emit_m, emit_s = self._emit
        start_b, start_e, start_m, start_s = self._start
        c = text[0]
        vb, ve = start_b + emit_b.get(c, low), start_e + emit_e.get(c, low)
        vm, vs = start_m + emit_m.get(c, low), start_s + emit_s.get(c, low)
        back = []
        for c in text[1:]:  # on a tie, jieba's max takes the later letter: S over E, M over B
            em = emit_b.get(c, low)
            x, y = ve + e_b + em, vs + s_b + em
            nb, pb = (x, 1) if x > y else (y, 3)
            em = emit_m.get(c, low)
            x, y = vb + b_m + em, vm + m_m + em
            nm, pm = (x, 0) if x > y else (y, 2)
            em = emit_s.get(c, low)
            x, y = ve + e_s + em, vs + s_s + em
            ns, ps = (x, 1) if x > y else (y, 3)
            em = emit_e.get(c, low)
            x, y = vb + b_e + em, vm + m_e + em
            ne, pe = (x, 0) if x > y else (y, 2)
            back.append((pb, pe, pm, ps))
            vb, ve, vm, vs = nb, ne, nm, ns
        state = 1 if ve > vs else 3  # states by index: 0 B, 1 E, 2 M, 3 S
        states = [state]
        for pointers in reversed(back):
            state = pointers[state]
            states.append(state)
        states.reverse()
        return states


def _rebuild(entries, stopwords, cache_file, engine, dict_dir, community, user_words) -> Segmenter:
    segmenter = Segmenter.__new__(Segmenter)
    segmenter.dict_dir, segmenter.community, segmenter.user_words = dict_dir, community, user_words
    segmenter._setup(entries, stopwords, cache_file, engine)
    return segmenter


def _available_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _pool_context():
    """fork where there is one: workers inherit the built tokenizer instead of rebuilding it."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


_worker_segmenter: Segmenter | None = None


def _start_worker(segmenter: Segmenter) -> None:
    global _worker_segmenter
    _worker_segmenter = segmenter
    # A forked worker inherits the parent's SIGTERM handler; Prefect's raises inside the worker, and a
    # worker blocked on the task queue then outlived Pool.terminate(), hanging the nightly run for good.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _segment_chunk(texts: Sequence[str]) -> list[str]:
    """Each text's tokens joined by "\n": no token holds whitespace, and one string per text
    unpickles about 10x faster than a list of short strings."""
    return ["\n".join(_worker_segmenter.tokens(t)) for t in texts]
