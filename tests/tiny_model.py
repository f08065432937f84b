"""Build a tiny, real (random-weight) Chinese sentence-transformers model on disk, offline.

Used by tests that need to exercise the genuine ``SentenceTransformer(path)`` loading and
encoding code without downloading weights. The model has no semantic quality at all; it is
only a structurally faithful BERT + mean pooling + normalise pipeline with a vocabulary
that covers a few thousand common Chinese characters, so Chinese text is not all [UNK].
"""
from __future__ import annotations

import string
from collections import Counter
from pathlib import Path

HIDDEN = 64
MAX_POSITIONS = 256
N_CHINESE_CHARS = 5000

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# BertPreTokenizer splits punctuation into single tokens; keep the common ones in-vocabulary.
PUNCTUATION = list(string.punctuation) + list("，。！？、；：「」『』（）《》〈〉【】“”‘’…—～·")


def _common_chinese_chars(n: int = N_CHINESE_CHARS) -> list[str]:
    """The n most frequent CJK characters, counted over jieba's dictionary weighted by word frequency."""
    import jieba

    counts: Counter[str] = Counter()
    dict_path = Path(jieba.__file__).parent / "dict.txt"
    with dict_path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, freq = parts[0], int(parts[1])
            for ch in word:
                if "\u4e00" <= ch <= "\u9fff":
                    counts[ch] += freq
    return [ch for ch, _ in counts.most_common(n)]


def _vocabulary() -> list[str]:
    alnum = list(string.ascii_lowercase + string.digits)  # the tokenizer lower-cases input
    tokens = SPECIAL + PUNCTUATION + alnum + ["##" + c for c in alnum] + _common_chinese_chars()
    return list(dict.fromkeys(tokens))  # de-duplicate, keep order


def _st_modules():
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # 3.x - 5.x
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Transformer, Pooling, Normalize


def _save_tokenizer_and_config(folder: Path, **extra):
    """Write the WordPiece vocabulary and tokenizer to ``folder``; seed torch; return the BertConfig."""
    import torch
    from transformers import BertConfig, BertTokenizerFast

    vocab = _vocabulary()
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    # transformers 5 ignores ``vocab_file=``; the vocabulary must be passed as ``vocab`` (a dict).
    tokenizer = BertTokenizerFast(vocab={tok: i for i, tok in enumerate(vocab)}, do_lower_case=True,
                                  tokenize_chinese_chars=True, model_max_length=MAX_POSITIONS)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(0)
    return BertConfig(vocab_size=len(vocab), hidden_size=HIDDEN, num_hidden_layers=2, num_attention_heads=2,
                      intermediate_size=128, max_position_embeddings=MAX_POSITIONS, pad_token_id=0, **extra)


def build_tiny_sentence_transformer(path: str | Path) -> Path:
    """Write a tiny sentence-transformers model to ``path`` (a directory) and return it."""
    from sentence_transformers import SentenceTransformer
    from transformers import BertModel

    path = Path(path)
    hf_dir = path.parent / f"{path.name}-hf"  # plain transformers checkpoint, wrapped below
    hf_dir.mkdir(parents=True, exist_ok=True)

    config = _save_tokenizer_and_config(hf_dir)
    BertModel(config).save_pretrained(str(hf_dir))

    Transformer, Pooling, Normalize = _st_modules()
    transformer = Transformer(str(hf_dir), max_seq_length=MAX_POSITIONS)
    pooling = Pooling(HIDDEN, "mean")
    model = SentenceTransformer(modules=[transformer, pooling, Normalize()], device="cpu")
    model.save(str(path), create_model_card=False)
    return path


def build_tiny_sentiment_classifier(path: str | Path, labels: tuple[str, ...] = ("NEGATIVE", "POSITIVE")) -> Path:
    """Write a tiny random-weight ``BertForSequenceClassification`` with these class names to ``path``.

    Loadable with ``AutoModelForSequenceClassification.from_pretrained(path)``; its predictions
    are meaningless, but deterministic (seeded weights).
    """
    import torch
    from transformers import BertForSequenceClassification

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    config = _save_tokenizer_and_config(path, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                        label2id={name: i for i, name in enumerate(labels)})
    model = BertForSequenceClassification(config)
    with torch.no_grad():  # a visible spread of probabilities instead of ~uniform ones
        model.classifier.weight.normal_(0.0, 0.5)
    model.save_pretrained(str(path))
    return path
