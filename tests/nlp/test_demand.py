from datetime import datetime, timedelta

import pytest

from nlp.demand import (CUE_FILES, DEMAND_TYPES, VOICING, Demand, DemandReader, attach_echoes, binary_metrics,
                        demand_mix, demand_share, demand_type, echo_voices, evaluate_demand, read_demand)
from nlp.records import ChatMessage

NEEDS = ["想要一款无香精的宝宝面霜", "求推荐适合敏感肌的防晒", "有没有低因的豆子", "帮我查一下订单到哪了",
         "双十一想囤点猫粮，求链接", "哪里能买到燕麦奶"]
QUESTIONS = ["请问周末几点开门", "冷萃多少钱一杯", "辅食第一口怎么做", "燕麦奶和牛奶有什么区别", "今天能发货吗",
             "这款面霜孕妇可以用吗"]
COMPLAINTS = ["快递怎么还没到", "喝完咖啡晚上睡不着", "店里座位太少了，根本抢不到", "猫咪换粮后一直拉稀",
              "排了半天队，太麻烦了", "底妆一到下午就卡粉"]
SUGGESTIONS = ["建议周末多开一个收银台", "最好能出个大杯装", "希望以后能加燕麦奶选项", "可以考虑开通线上预约"]
PRAISES = ["这款面霜太好用了", "燕麦拿铁yyds", "新出的冷萃真好喝，爱了"]
CHATS = ["哈哈哈笑死我了", "今天降温了大家多穿点", "晚安大家", "你吃饭了吗", "我刚下班回到家", "周末一起去爬山的照片发群里了"]


@pytest.mark.parametrize("kind, texts", [("need", NEEDS), ("question", QUESTIONS), ("complaint", COMPLAINTS),
                                         ("suggestion", SUGGESTIONS), ("praise", PRAISES), ("chat", CHATS)])
def test_each_type_on_written_examples(kind, texts):
    assert [read_demand(t).type for t in texts] == [kind] * len(texts)


def test_clean_flags_decide_ads_and_system_notices():
    assert read_demand("想要的加微信领券", {"ad"}) == Demand("ad", 0.0)
    assert read_demand('"小鹿"邀请"阿May"加入了群聊', frozenset({"system"})) == Demand("system", 0.0)
    assert read_demand("想要低因的", {"short"}).type == "need"  # other flags change nothing


def test_existing_names_keep_working():
    assert {"need", "question", "complaint", "suggestion", "praise", "chat", "ad", "system"} == set(DEMAND_TYPES)
    assert VOICING == {"need", "question", "complaint", "suggestion"}
    assert demand_type("有没有低因的豆子") == "need" and demand_type("哈哈哈") == "chat"
    assert demand_mix(["need", "need", "chat", "ad"]) == {"need": 0.5, "chat": 0.25, "ad": 0.25}
    assert demand_share(["need", "question", "praise", "system"]) == 0.5 and demand_share([]) == 0.0


def test_score_orders_explicit_needs_over_bare_questions_over_chat():
    explicit, bare, social, chat = (read_demand(t).score for t in
                                    ("求推荐一款低因咖啡豆，有没有链接", "这款是低因的吗", "你吃饭了吗", "哈哈哈哈"))
    assert 1.0 >= explicit > bare > social >= chat >= 0.0
    assert read_demand("求推荐一款低因咖啡豆").voices and not read_demand("哈哈哈哈").voices


def test_negated_wishes_and_social_questions_voice_nothing():
    for text in ("不需要了谢谢", "我不想要这个颜色了", "你叫什么名字", "真的假的", "你怎么这么可爱"):
        assert not read_demand(text).voices, text


def test_reader_loads_its_cue_lists_on_first_use_only(tmp_path):
    missing = DemandReader(tmp_path / "nowhere")  # constructing reads nothing
    with pytest.raises(FileNotFoundError):
        missing.read("想要")
    for name in CUE_FILES:
        (tmp_path / f"{name}.txt").write_text("# empty\n", encoding="utf-8")
    (tmp_path / "need.txt").write_text("# custom\n燕麦奶\t0.9\n", encoding="utf-8")
    (tmp_path / "request.txt").write_text("来杯\n", encoding="utf-8")
    reader = DemandReader(tmp_path)
    assert reader.read("燕麦奶").type == "need" and reader.read("来杯冰美式").type == "need"
    assert reader.read("想要低因").type == "chat"  # only the given cues count
    assert reader.read_all(["燕麦奶", "广告"], [(), {"ad"}]) == [Demand("need", 0.9), Demand("ad", 0.0)]


T0 = datetime(2026, 9, 1, 20, 0)


def chat(*rows, group="g"):
    """ChatMessages from (seconds after T0, member, text), ids counting from 1."""
    return [ChatMessage(i, member, group, T0 + timedelta(seconds=s), text) for i, (s, member, text) in
            enumerate(rows, start=1)]


def test_echo_attaches_to_the_demand_it_follows():
    messages = chat((0, "a", "有没有低因的豆子推荐"), (60, "b", "+1"), (90, "c", "同求！"), (120, "a", "蹲"))
    assert attach_echoes(messages) == {2: 1, 3: 1}  # the author's own "蹲" echoes nobody else


def test_echo_prefers_a_demand_over_more_recent_chat_and_falls_back_to_chat():
    messages = chat((0, "a", "宝宝湿疹怎么办，求推荐面霜"), (30, "b", "哈哈哈今天好热"), (40, "c", "我也想要"))
    assert attach_echoes(messages) == {3: 1}
    only_chat = chat((0, "a", "周末的照片发群里了"), (30, "b", "今天好热啊哈哈"), (40, "c", "+1"))
    assert attach_echoes(only_chat) == {3: 2}


def test_echo_outside_the_window_or_gap_attaches_to_nothing():
    late = chat((0, "a", "有没有低因的豆子推荐"), (601, "b", "+1"))
    assert attach_echoes(late) == {} and attach_echoes(late, window_seconds=900) == {2: 1}
    crowded = chat((0, "a", "有没有低因的豆子推荐"), *[(i, "b", f"闲聊第{i}句哈哈哈") for i in range(1, 4)], (10, "c", "同求"))
    assert attach_echoes(crowded, max_gap_messages=3) == {5: 4}  # the demand is out of the gap: fall back
    assert attach_echoes(crowded, max_gap_messages=4) == {5: 1}


def test_echo_stays_in_its_group_and_runs_of_echoes_keep_the_original():
    here = chat((0, "a", "有没有低因的豆子推荐"))
    there = [ChatMessage(10, "x", "other", T0 + timedelta(seconds=30), "冷萃什么时候补货")]
    echo = [ChatMessage(11, "b", "g", T0 + timedelta(seconds=60), "+1")]
    run = [ChatMessage(20 + i, f"m{i}", "g", T0 + timedelta(seconds=70 + i), "+1") for i in range(12)]
    attached = attach_echoes(list(reversed(here + there + echo + run)))  # input order does not matter
    assert attached[11] == 1 and all(attached[20 + i] == 1 for i in range(12))


def test_echo_predicate_and_voices():
    messages = chat((0, "a", "有没有低因的豆子推荐"), (5, "b", "同款需求"), (9, "c", "+1"))
    attached = attach_echoes(messages, is_echo=lambda text: text in {"同款需求", "+1"})
    assert attached == {2: 1, 3: 1}
    assert echo_voices(messages, attached) == {1: ["b", "c"]}


def test_binary_metrics_by_hand():
    metrics = binary_metrics([1, 1, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0])
    assert metrics == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667, "macro_f1": 0.6667, "accuracy": 0.6667}
    assert binary_metrics([1, 0], [0, 0]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "macro_f1": 0.3333,
                                              "accuracy": 0.5}
    with pytest.raises(ValueError):
        binary_metrics([1], [1, 0])


def test_evaluate_demand_reads_texts_as_the_nightly_flow_does():
    result = evaluate_demand(["求推荐低因咖啡豆", "哈哈哈哈太好笑了", "加微信 abc12345 领券，全场五折 https://t.cn/A6x"],
                             [1, 0, 0])
    assert result["macro_f1"] == 1.0 and result["n"] == 3 and result["positives"] == 1


def test_echo_never_attaches_to_a_system_notice_or_a_sticker():
    messages = chat((0, "a", "周末的照片发群里了"), (20, "system", '"小鹿"邀请"阿May"加入了群聊'), (25, "b", "[动画表情]"),
                    (30, "c", "+1"))
    assert attach_echoes(messages) == {4: 1}


def test_requests_open_with_a_verb_even_after_a_wanting():
    for text in ("我要看西游记", "听一下交通广播", "我也想听相声", "晚上七点半叫我起床", "十分钟后提醒我收衣服",
                 "3乘5再除以二"):
        assert read_demand(text).type in {"need", "question"}, text
    for text in ("看到你就开心", "听说明天下雨", "提醒一下大家明天降温", "树叶黄了，好好看"):
        assert not read_demand(text).voices, text


def test_a_short_phrase_naming_a_service_thing_is_a_need():
    for text in ("上海到杭州的高铁时刻表", "糖醋排骨做法", "湖南卫视今晚的节目单", "杭州明天天气"):
        assert read_demand(text).type == "need", text
    for text in ("昨天看的电影", "刚看完一部电影，哭死", "周末店里好热闹"):  # reports, not wants
        assert not read_demand(text).voices, text


def test_talk_of_an_order_is_a_weak_need():
    for text in ("两张合并付款89元", "忘改收货地址了", "买二送一", "亲，这个尾款什么时候付"):
        assert read_demand(text).voices, text
    assert not read_demand("给娃拍的照片").voices and not read_demand("早~今天也要元气满满").voices
