"""SentenceTransformerEmbedder against a tiny random-weight model built on disk (fully offline)."""
from __future__ import annotations

import time

import numpy as np
import pytest

from nlp.embed.base import Embedder, EmbedderUnavailable
from nlp.embed.sentence_transformers import SentenceTransformerEmbedder
from tests.tiny_model import HIDDEN

TEXTS = [
    "请问这个课程什么时候开课？",
    "我想申请退款，怎么操作",
    "群里有人用过这个打印机吗",
    "请问这个课程什么时候开课？",
    "周末有没有线下活动",
]


@pytest.fixture(scope="module")
def tiny_model_path(tiny_model):
    return tiny_model


@pytest.fixture(scope="module")
def embedder(tiny_model_path):
    return SentenceTransformerEmbedder(str(tiny_model_path), device="cpu", batch_size=2)


def test_loads_through_real_sentence_transformer(embedder, tiny_model_path):
    from sentence_transformers import SentenceTransformer

    assert isinstance(embedder, Embedder)
    assert isinstance(embedder._model, SentenceTransformer)
    assert embedder.model_id == f"st:{tiny_model_path}"
    assert embedder.dim == HIDDEN


def test_embeds_chinese_to_unit_float32(embedder):
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), HIDDEN)
    assert vectors.dtype == np.float32
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_identical_texts_identical_vectors_different_texts_differ(embedder):
    vectors = embedder.fit_embed(TEXTS)
    np.testing.assert_allclose(vectors[0], vectors[3], atol=1e-6)
    for i in range(len(TEXTS)):
        for j in range(i + 1, len(TEXTS)):
            if TEXTS[i] != TEXTS[j]:
                assert not np.allclose(vectors[i], vectors[j], atol=1e-4), (TEXTS[i], TEXTS[j])


def test_batching_does_not_change_vectors(tiny_model_path, embedder):
    one_batch = SentenceTransformerEmbedder(str(tiny_model_path), device="cpu", batch_size=64)
    np.testing.assert_allclose(one_batch.embed(TEXTS), embedder.embed(TEXTS), atol=1e-5)


def test_chinese_characters_are_mostly_in_vocabulary(embedder):
    tokenizer = embedder._model.tokenizer
    tokens = tokenizer.tokenize("大家好，我想问一下明天下午的讲座在哪个会议室举行？需要提前报名吗")
    unk = sum(token == tokenizer.unk_token for token in tokens)
    assert len(tokens) > 20
    assert unk / len(tokens) < 0.10, tokens


def test_long_text_is_truncated_not_an_error(embedder):
    vectors = embedder.embed(["很长的消息" * 400])
    assert vectors.shape == (1, HIDDEN)


def test_empty_input(embedder):
    vectors = embedder.embed([])
    assert vectors.shape == (0, HIDDEN)
    assert vectors.dtype == np.float32


@pytest.mark.parametrize(
    "model",
    [
        "/definitely/not/a/model/dir",
        "./no-such-model",
        "qunsheng-test/no-such-model-on-the-hub",
        "no-such-model-anywhere",
    ],
)
def test_unloadable_model_raises_quickly(model):
    start = time.perf_counter()
    with pytest.raises(EmbedderUnavailable) as info:
        SentenceTransformerEmbedder(model)
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert model in message and "\n" not in message
    assert info.value.__cause__ is not None


def test_broken_model_directory_raises(tmp_path):
    (tmp_path / "modules.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(EmbedderUnavailable):
        SentenceTransformerEmbedder(str(tmp_path))


def test_device_and_batch_size_are_used(embedder):
    assert embedder._model.device.type == "cpu" and embedder.batch_size == 2
    with pytest.raises(ValueError):
        SentenceTransformerEmbedder("any", batch_size=0)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend"):
        SentenceTransformerEmbedder("any", backend="tensorflow")


def test_onnx_backend_without_its_packages_says_what_to_install(tiny_model_path, monkeypatch):
    from nlp.embed import sentence_transformers as module

    monkeypatch.setattr(module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EmbedderUnavailable) as info:
        SentenceTransformerEmbedder(str(tiny_model_path), backend="onnx")
    message = str(info.value)
    assert "onnxruntime" in message and "optimum" in message and "backend='torch'" in message
    assert "pip install 'sentence-transformers[onnx]'" in message  # its own extra: optimum's ONNX part is a package apart


def test_onnx_backend_where_installed(tiny_model_path, embedder):
    from nlp.embed.sentence_transformers import missing_packages

    if missing_packages("onnx"):
        pytest.skip(f"onnx backend needs {missing_packages('onnx')}")
    onnx = SentenceTransformerEmbedder(str(tiny_model_path), device="cpu", backend="onnx")
    assert onnx.model_id.endswith(":onnx")
    np.testing.assert_allclose(onnx.embed(TEXTS), embedder.embed(TEXTS), atol=1e-4)


def test_load_embedder_passes_options(tiny_model_path):
    from nlp.embed import load_embedder

    chosen, warning = load_embedder("st", str(tiny_model_path), device="cpu", batch_size=3)
    assert warning is None and chosen.batch_size == 3


def test_evaluation_reads_its_vectors_as_a_pretrained_encoders(embedder, monkeypatch):
    """Centred on the corpus mean and weighed at the pretrained keyword share, as e5's vectors."""
    from nlp.embed.lsa import LsaEmbedder
    from tests.nlp.test_embed_e5 import what_the_clusterer_sees

    raw = embedder.embed(TEXTS * 6)
    assert np.linalg.norm(raw.mean(axis=0)) > 0.5  # a random tiny model's vectors share one direction too
    seen, _ = what_the_clusterer_sees(embedder, TEXTS * 6, ["a", "b", "c", "a", "d"] * 6, monkeypatch)
    assert seen["share"] == embedder.keyword_share < LsaEmbedder.keyword_share and seen["mean"] < 0.15
