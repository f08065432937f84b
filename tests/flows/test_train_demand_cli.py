"""`qunsheng train demand`, `eval demand --model` and the QUNSHENG_DEMAND settings."""
import json

from typer.testing import CliRunner

from flows.cli import app
from models.settings import Settings
from tests.flows.test_nightly import run, small_community  # noqa: F401 (a fixture)

DEMANDS = ["帮我查一下明天的航班", "求推荐一款低因咖啡豆", "有没有无香精的面霜", "快递什么时候发货",
           "想买两袋猫粮有优惠吗", "这款防晒多少钱", "麻烦帮我改一下地址", "给我来一杯冷萃"]
CHATS = ["哈哈哈笑死我了", "今天天气真好啊", "晚安各位", "刚下班回家好累", "周末去爬山了",
         "这猫太可爱了吧", "早上好呀", "明天又是周一"]


def test_train_demand_then_eval_it(tmp_path):
    rows = [(f"{text}{suffix}", tag) for suffix in ("", "！", "~") for texts, tag in ((DEMANDS, "task"), (CHATS, "chat"))
            for text in texts]
    data = tmp_path / "utterances.tsv"
    data.write_text("Sentence\tTag\n" + "".join(f"{t}\t{tag}\n" for t, tag in rows), encoding="utf-8")
    out = tmp_path / "demand-model"
    args = ["--input", str(data), "--text-col", "Sentence", "--label-col", "Tag", "--negative", "chat"]
    trained = CliRunner().invoke(app, ["train", "demand", *args, "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["n_train"] == len(rows) and summary["demand"] == summary["no_demand"] == len(rows) // 2
    assert summary["rule_weight"] is None and (out / "weights.npz").exists()
    measured = CliRunner().invoke(app, ["eval", "demand", *args, "--model", str(out)])
    assert measured.exit_code == 0, measured.output
    assert json.loads(measured.stdout)["macro_f1"] == 1.0

    with_rules = CliRunner().invoke(app, ["train", "demand", *args, "--rules", "--out", str(tmp_path / "r")])
    assert with_rules.exit_code == 0 and json.loads(with_rules.stdout)["rule_weight"] is not None


def test_train_demand_errors_are_one_line(tmp_path):
    data = tmp_path / "words.csv"
    data.write_text("text,label\n想要,need\n哈哈,chat\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["train", "demand", "--input", str(data), "--text-col", "text", "--label-col",
                                   "label", "--out", str(tmp_path / "m")])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: labels must be 1/0")
    missing = CliRunner().invoke(app, ["eval", "demand", "--input", str(data), "--text-col", "text", "--label-col",
                                       "label", "--negative", "chat", "--model", str(tmp_path / "nowhere")])
    assert missing.exit_code == 1 and "no trained demand model" in missing.stderr


def test_demand_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("QUNSHENG_DATA_DIR", str(tmp_path))
    assert Settings().demand == "rules" and Settings().resolved_demand_model is None
    monkeypatch.setenv("QUNSHENG_DEMAND", "trained")
    assert Settings().resolved_demand_model == str(tmp_path / "models" / "demand")
    monkeypatch.setenv("QUNSHENG_DEMAND_MODEL", "/models/ours")
    assert Settings().resolved_demand_model == "/models/ours"


def test_run_with_a_trained_demand_model(small_community, tmp_path, monkeypatch):  # noqa: F811
    from nlp.demand_trained import train_demand

    train_demand(DEMANDS + CHATS, [1] * len(DEMANDS) + [0] * len(CHATS), tmp_path / "demand")
    monkeypatch.setenv("QUNSHENG_DEMAND", "trained")
    monkeypatch.setenv("QUNSHENG_DEMAND_MODEL", str(tmp_path / "demand"))
    record = run("--community", small_community, "--min-cluster-size", "10")
    assert record["themes"] >= 3
    from tests.conftest import api_client

    latest = api_client(small_community).get("/v1/communities").json()["data"][0]["latest_run"]
    assert latest["parameters"]["demand"] == "trained"
    assert latest["parameters"]["demand_model"] == str(tmp_path / "demand")

    monkeypatch.setenv("QUNSHENG_DEMAND_MODEL", str(tmp_path / "nowhere"))
    failed = CliRunner().invoke(app, ["run", "--community", small_community, "--json"])
    assert failed.exit_code == 1 and "no trained demand model" in failed.stderr
