import numpy as np
import pytest

from nlp.embed import LsaEmbedder, load_embedder

COFFEE = ["低因咖啡豆有吗，晚上喝了睡不着", "想要低因的拿铁", "低因咖啡什么时候上新", "咖啡因太多睡不着，求低因"]
MAKEUP = ["早上化妆来不及，粉底液要快", "美妆蛋总弄不均匀", "想要伪素颜的粉底液", "熬夜党求服帖的粉底"]


def test_vectors_are_unit_length_and_deterministic():
    texts = COFFEE + MAKEUP
    first = LsaEmbedder(dim=4).fit_embed(texts)
    again = LsaEmbedder(dim=4).fit_embed(texts)
    assert first.shape == (8, 4) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1, atol=1e-5)
    assert np.array_equal(first, again)


def test_same_topic_is_closer_than_other_topic():
    vectors = LsaEmbedder(dim=4).fit_embed(COFFEE + MAKEUP)
    similarity = vectors @ vectors.T
    within = (similarity[:4, :4].sum() - 4) / 12
    across = similarity[:4, 4:].mean()
    assert within > across + 0.3


def test_embed_before_fit_fails_and_empty_input_works():
    with pytest.raises(RuntimeError):
        LsaEmbedder().embed(["x"])
    assert LsaEmbedder(dim=3).fit(COFFEE).embed([]).shape == (0, 3)


def test_lsa_kind_and_unknown_kind_fails():
    embedder, warning = load_embedder("lsa")
    assert isinstance(embedder, LsaEmbedder) and warning is None
    with pytest.raises(ValueError):
        load_embedder("word2vec")


@pytest.mark.parametrize("options", [{"word_weight": 0}, {"char_weight": 0}, {"sublinear_tf": False},
                                     {"char_ngrams": (1, 3)}, {"min_df": 1}])
def test_variants_still_separate_topics(options):
    vectors = LsaEmbedder(dim=4, **options).fit_embed(COFFEE + MAKEUP)
    similarity = vectors @ vectors.T
    assert (similarity[:4, :4].sum() - 4) / 12 > similarity[:4, 4:].mean()


def test_chars_only_needs_no_segmenter():
    class Refuses:
        def tokens(self, text):
            raise AssertionError("segmenter used")

    LsaEmbedder(dim=3, word_weight=0, segmenter=Refuses()).fit_embed(COFFEE)


def test_transform_of_new_texts_uses_the_fitted_space():
    embedder = LsaEmbedder(dim=4).fit(COFFEE + MAKEUP)
    new = embedder.embed(["低因咖啡还有吗", "粉底液推荐"])
    fitted = embedder.embed(COFFEE + MAKEUP)
    assert new.shape == (2, 4)
    assert (new[0] @ fitted[:4].T).mean() > (new[0] @ fitted[4:].T).mean()


def test_model_id_names_what_changes_the_vectors():
    assert LsaEmbedder().model_id == "lsa:words+chars:dim=64"
    assert LsaEmbedder(dim=32, word_weight=0, min_df=5).model_id == "lsa:words+chars:dim=32:words=0,min_df=5"
