import json

import numpy as np
import pytest

from nlp.demand import Demand, evaluate_demand
from nlp.demand_trained import DemandModelUnavailable, TrainedDemand, load_demand_reader, train_demand

DEMANDS = ["帮我查一下明天的航班", "求推荐一款低因咖啡豆", "有没有无香精的面霜", "快递什么时候发货",
           "想买两袋猫粮有优惠吗", "这款防晒多少钱", "麻烦帮我改一下地址", "能不能多备点燕麦奶",
           "请问周末几点开门", "给我来一杯冷萃", "哪里能买到辅食米粉", "订单还没到怎么办"] * 2
CHATS = ["哈哈哈笑死我了", "今天天气真好啊", "晚安各位", "刚下班回家好累", "周末去爬山了",
         "这猫太可爱了吧", "我也这么觉得", "早上好呀", "昨天的电影看哭了", "明天又是周一",
         "你说得对", "好的好的"] * 2


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demand-model")
    train_demand(DEMANDS + CHATS, [1] * len(DEMANDS) + ["0"] * len(CHATS), folder)
    return folder


def test_trained_model_separates_what_it_learned_and_keeps_rule_types(model_dir):
    model = TrainedDemand.load(model_dir)
    read = model.read_all(["帮我查一下后天的航班", "哈哈哈太好笑了", "这款面霜多少钱"])
    assert [d.voices for d in read] == [True, False, True]
    assert read[0].type == "need" and read[2].type == "question"  # types come from the cue reader
    assert all(0.0 <= d.score <= 1.0 for d in read)
    assert model.read("想要的加微信领券", {"ad"}) == Demand("ad", 0.0)
    metrics = evaluate_demand(DEMANDS + CHATS, [1] * len(DEMANDS) + [0] * len(CHATS), model)
    assert metrics["macro_f1"] == 1.0


def test_saved_as_plain_files_and_loaded_by_kind(model_dir):
    assert sorted(p.name for p in model_dir.iterdir()) == ["model.json", "vocabulary.json", "weights.npz"]
    meta = json.loads((model_dir / "model.json").read_text(encoding="utf-8"))
    assert meta["format"] == "qunsheng-demand-tfidf-logreg" and meta["summary"]["demand"] == len(DEMANDS)
    with np.load(model_dir / "weights.npz", allow_pickle=False) as arrays:
        assert arrays["coef"].shape == arrays["idf"].shape
    loaded = load_demand_reader("trained", str(model_dir))
    assert loaded.parameters["kind"] == "trained" and loaded.parameters["model"] == str(model_dir)
    assert load_demand_reader("rules").read("有没有低因的").type == "need"


def test_rule_feature_is_optional_and_saved(tmp_path):
    model = train_demand(DEMANDS + CHATS, [1] * len(DEMANDS) + [0] * len(CHATS), tmp_path, use_rules=True)
    assert model.rule_weight is not None and model.rule_weight > 0
    assert TrainedDemand.load(tmp_path).rule_weight == pytest.approx(model.rule_weight, rel=1e-6)


def test_bad_input_and_missing_models_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="both"):
        train_demand(["想要", "求推荐"], [1, 1], tmp_path / "one-class")
    with pytest.raises(ValueError, match="1/0"):
        train_demand(["想要", "哈哈"], ["need", "chat"], tmp_path / "bad-labels")
    with pytest.raises(DemandModelUnavailable, match="no trained demand model"):
        TrainedDemand.load(tmp_path / "nowhere")
    (tmp_path / "other").mkdir()
    for name in ("model.json", "vocabulary.json"):
        (tmp_path / "other" / name).write_text('{"format": "something-else"}', encoding="utf-8")
    np.savez(tmp_path / "other" / "weights.npz", idf=np.zeros(1), coef=np.zeros(1))
    with pytest.raises(DemandModelUnavailable, match="cannot read"):
        TrainedDemand.load(tmp_path / "other")
    with pytest.raises(ValueError):
        load_demand_reader("bert")
    with pytest.raises(ValueError):
        load_demand_reader("trained")
