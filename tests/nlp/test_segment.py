from nlp.segment import Segmenter


def test_domain_words_stay_whole_and_stopwords_go():
    segmenter = Segmenter()
    assert "伪素颜" in segmenter.tokens("想要伪素颜效果")
    assert segmenter.keywords("有没有低因的咖啡豆推荐") == ["低因", "咖啡豆"]


def test_user_words_per_community():
    assert "燕麦奶拿铁" in Segmenter(user_words=["燕麦奶拿铁"]).tokens("想喝燕麦奶拿铁")
    assert "燕麦奶拿铁" not in Segmenter().tokens("想喝燕麦奶拿铁")


def test_keywords_drop_single_characters_and_punctuation():
    words = Segmenter().keywords("好的！！！ 咖啡 , 。 a 1234")
    assert words == ["咖啡"]
