"""A transformers text-classification model (hub name or local folder) as a polarity scorer.

The score is the expected polarity under the model's class probabilities:
P(positive) - P(negative) for positive/negative(/neutral) heads, and star ratings
("1 star" ... "5 stars") spread evenly over [-1, 1]. Label names are read from the model's
``id2label``; ``label_polarity`` overrides them (e.g. for an emotion model).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from nlp.hub import model_source

from .base import SentimentScorer, SentimentUnavailable, as_text

_NEUTRAL = {"neutral", "neu", "neutrality", "中性", "中立", "一般"}
_POSITIVE = {"pos", "positive", "正面", "积极", "正向", "好评", "正", "good"}
_NEGATIVE = {"neg", "negative", "负面", "消极", "负向", "差评", "负", "bad"}
_GENERIC = re.compile(r"^(?:label_?)?(\d+)$")
_STARS = re.compile(r"^(\d)\s*stars?$")


def _named_polarity(name: str) -> float | None:
    if name in _NEUTRAL:
        return 0.0
    if name in _POSITIVE or name.startswith("positive"):  # "positive (stars 4 and 5)"
        return 1.0
    if name in _NEGATIVE or name.startswith("negative"):
        return -1.0
    return None


def label_polarities(id2label: Mapping[int, str]) -> list[float]:
    """Polarity in [-1, 1] of each class, in class-id order; ValueError when a name is unknown.

    Named labels: POSITIVE/NEGATIVE/NEUTRAL (any case, also pos/neg/neu, 正面/负面/中性,
    积极/消极, and "negative (stars 1, 2 and 3)"-style names). Star ratings: "k star(s)".
    Generic LABEL_0/LABEL_1 (or "0"/"1"): 2 classes read as negative/positive, 3 classes as
    negative/neutral/positive, the usual order of Chinese sentiment heads.
    """
    by_id = {int(k): v for k, v in id2label.items()}  # JSON configs may key ids as strings
    names = [str(by_id[i]).strip().lower() for i in sorted(by_id)]
    if all(_GENERIC.match(n) for n in names):
        if len(names) == 2:
            return [-1.0, 1.0]
        if len(names) == 3:
            return [-1.0, 0.0, 1.0]
        raise ValueError(f"{len(names)} unnamed labels {names}: cannot tell which is positive")
    stars = [_STARS.match(n) for n in names]
    if all(stars):
        values = [int(m.group(1)) for m in stars]
        low, high = min(values), max(values)
        if high > low:
            return [2.0 * (v - low) / (high - low) - 1.0 for v in values]
    polarities = [_named_polarity(n) for n in names]
    unknown = [n for n, p in zip(names, polarities) if p is None]
    if unknown:
        raise ValueError(f"labels {unknown} are not positive/negative/neutral; pass label_polarity")
    return polarities


class TransformersSentiment(SentimentScorer):
    """A ``AutoModelForSequenceClassification`` checkpoint; loads in the constructor.

    ``model``: a local folder (never sent to the hub) or a hub name (loaded from the local cache
    only when HF_HUB_OFFLINE is set or the hub does not answer). Raises SentimentUnavailable when
    the model cannot be loaded or its labels cannot be read as polarities.
    """

    name = "transformers"

    def __init__(self, model: str, device: str | None = None, batch_size: int = 32, *,
                 label_polarity: Mapping[str, float] | None = None, max_length: int = 256) -> None:
        self.model_id = "hf:" + str(model)
        self.batch_size = max(1, int(batch_size))
        self._model, self._tokenizer = self._load(str(model))
        config = self._model.config
        self.labels = [str(config.id2label[i]) for i in range(config.num_labels)]
        self._multi_label = config.problem_type == "multi_label_classification"
        try:
            if config.num_labels == 1:
                self.polarities = [1.0]  # a single logit: sigmoid = P(positive)
            elif label_polarity is not None:
                self.polarities = [float(label_polarity[name]) for name in self.labels]
            else:
                self.polarities = label_polarities(config.id2label)
        except (KeyError, ValueError) as exc:
            raise SentimentUnavailable(f"model {model!r} has labels {self.labels}: {exc}") from exc
        limits = [max_length, getattr(self._tokenizer, "model_max_length", None) or max_length,
                  getattr(config, "max_position_embeddings", None) or max_length]
        self.max_length = int(min(limits))
        import torch

        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model.to(self.device).eval()

    @staticmethod
    def _load(model: str):
        try:
            source, offline = model_source(model)
            from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

            config = AutoConfig.from_pretrained(source, local_files_only=offline)
            architectures = getattr(config, "architectures", None) or []
            if architectures and not any(a.endswith(("ForSequenceClassification", "ForTextClassification"))
                                         for a in architectures):
                raise ValueError(f"not a text-classification checkpoint (architectures {architectures}); "
                                 "its classification head would be random")
            tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=offline)
            network = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=offline)
            return network, tokenizer
        except Exception as exc:  # no network, no such folder, broken files, missing package...
            reason = (str(exc).strip().splitlines() or [""])[0][:200]
            raise SentimentUnavailable(
                f"cannot load text-classification model {model!r}: {type(exc).__name__}: {reason}"
            ) from exc

    def score(self, texts: Sequence[str]) -> list[float]:
        import torch

        texts = [as_text(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        polarity = torch.tensor(self.polarities, dtype=torch.float32, device=self.device)
        scores = [0.0] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start:start + self.batch_size]
                batch = self._tokenizer([texts[i] for i in chunk], padding=True, truncation=True,
                                        max_length=self.max_length, return_tensors="pt").to(self.device)
                logits = self._model(**batch).logits.float()
                if logits.shape[-1] == 1:
                    values = 2.0 * torch.sigmoid(logits[:, 0]) - 1.0
                else:
                    probs = torch.sigmoid(logits) if self._multi_label else torch.softmax(logits, dim=-1)
                    values = (probs @ polarity).clamp(-1.0, 1.0)
                for i, value in zip(chunk, values.tolist()):
                    scores[i] = float(value)
        return scores
