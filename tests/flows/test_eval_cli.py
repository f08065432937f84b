"""`qunsheng eval` and the labelled-file reader: one JSON object out, one-line errors."""
import json

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.datasets import DatasetError, read_labelled

TOPICS = {
    "coffee": ["低因咖啡豆什么时候到货", "想喝低因拿铁", "低因咖啡晚上喝不失眠", "有没有低因的冷萃", "低因豆子口感怎么样"],
    "baby": ["宝宝夜醒怎么办", "宝宝晚上夜醒好几次", "夜醒的宝宝要不要喂奶", "宝宝夜醒哭闹", "怎么让宝宝不夜醒"],
    "sun": ["防晒霜推荐一下", "敏感肌用什么防晒霜", "防晒霜油腻怎么办", "平价防晒霜哪款好", "防晒霜要补涂吗"],
}


@pytest.fixture
def labelled_files(tmp_path):
    rows = [(f"{prefix}{text}{suffix}", topic) for topic, texts in TOPICS.items() for text in texts
            for prefix, suffix in (("", ""), ("请问", "？"), ("姐妹们", "啊"), ("", "[捂脸]"))]
    csv_path = tmp_path / "topics.csv"
    csv_path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    tsv_path = tmp_path / "topics.tsv"
    tsv_path.write_text("Sentence\tTag\n" + "".join(f"{t}\t{label}\n" for t, label in rows), encoding="utf-8")
    jsonl_path = tmp_path / "topics.jsonl"
    jsonl_path.write_text("".join(json.dumps({"sentence": t, "label": label}, ensure_ascii=False) + "\n"
                                  for t, label in rows), encoding="utf-8")
    return csv_path, tsv_path, jsonl_path


def test_reader_handles_csv_tsv_jsonl_and_limits(labelled_files):
    csv_path, tsv_path, jsonl_path = labelled_files
    assert read_labelled(csv_path, "text", "label")[1][:2] == ["coffee", "coffee"]
    assert len(read_labelled(tsv_path, "Sentence", "Tag", limit=7)[0]) == 7
    assert not read_labelled(tsv_path, "Sentence", "Tag").numbered  # a header row names them
    texts, labels, *_ = read_labelled(jsonl_path, "sentence", "label")
    assert len(texts) == 60 and set(labels) == set(TOPICS)
    with pytest.raises(DatasetError, match="no column 'txt'"):
        read_labelled(csv_path, "txt", "label")
    with pytest.raises(DatasetError, match=r"columns are sentence, label$"):  # JSON rows name their fields
        read_labelled(jsonl_path, "txt", "label")


def test_reader_numbers_the_columns_of_a_file_without_a_header_row(tmp_path):
    path = tmp_path / "titles.tsv"
    path.write_text("低因咖啡豆有吗\tcoffee\n宝宝夜醒怎么办\tbaby\n", encoding="utf-8")
    found = read_labelled(path, "0", "1")
    assert found.texts == ["低因咖啡豆有吗", "宝宝夜醒怎么办"] and found.labels == ["coffee", "baby"] and found.numbered
    said = CliRunner().invoke(app, ["eval", "demand", "--input", str(path), "--text-col", "0", "--label-col", "1",
                                    "--negative", "baby"])
    assert said.exit_code == 0 and "read as having no header row" in said.stderr
    with pytest.raises(DatasetError, match="without a header row, number them from 0"):
        read_labelled(path, "text", "label")


def test_a_limit_draws_from_the_whole_file_the_same_rows_each_time(tmp_path):
    path = tmp_path / "sorted.csv"  # sorted by label, as many labelled files are
    rows = [(f"{topic}的第{i}条", topic) for topic in ("coffee", "baby", "sun") for i in range(20)]
    path.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    drawn = read_labelled(path, "text", "label", limit=12)
    assert len(drawn.texts) == 12 and set(drawn.labels) == {"coffee", "baby", "sun"}
    assert drawn == read_labelled(path, "text", "label", limit=12)
    assert drawn.texts == sorted(drawn.texts, key=[t for t, _ in rows].index)  # in file order
    assert read_labelled(path, "text", "label", limit=12, seed=1).texts != drawn.texts


def test_rows_without_a_text_or_a_label_are_left_out_and_counted(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("text,label\n好吃又便宜,1\n,0\n太难吃了,\n送得很快,1\n", encoding="utf-8")
    found = read_labelled(path, "text", "label")
    assert found.texts == ["好吃又便宜", "送得很快"] and (found.rows, found.unusable) == (4, 2)
    result = CliRunner().invoke(app, ["eval", "sentiment", "--input", str(path), "--text-col", "text",
                                      "--label-col", "label", "--limit", "1"])
    assert result.exit_code == 0 and json.loads(result.stdout)["n"] == 1
    assert "2 of 4 rows have no text or no label" in result.stderr and "1 of 2 rows drawn" in result.stderr


def test_eval_cluster_measures_the_embedder_the_nightly_flow_uses(labelled_files, monkeypatch):
    monkeypatch.setenv("QUNSHENG_EMBEDDER", "e5")
    result = CliRunner().invoke(app, ["eval", "cluster", "--input", str(labelled_files[0]), "--text-col", "text",
                                      "--label-col", "label"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["embedder"].startswith("e5:")


@pytest.mark.parametrize(("embedder", "model_id"), [("lsa", "lsa:"), ("e5", "e5:")])
def test_eval_cluster_prints_one_json_object(labelled_files, embedder, model_id):
    result = CliRunner().invoke(app, ["eval", "cluster", "--input", str(labelled_files[0]), "--text-col", "text",
                                      "--label-col", "label", "--embedder", embedder])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) >= {"nmi", "ari", "outlier_rate", "n_themes", "seconds"}
    assert report["nmi"] > 0.5 and report["n_themes"] >= 2 and report["outlier_rate"] < 0.5
    assert report["embedder"].startswith(model_id)
    assert report["subthemes"]["n_themes"] >= report["n_themes"]  # the finer level, scored alike


def test_eval_errors_are_one_line(tmp_path, labelled_files):
    missing = CliRunner().invoke(app, ["eval", "cluster", "--input", str(tmp_path / "nope.csv"), "--text-col", "t",
                                       "--label-col", "l"])
    assert missing.exit_code == 1 and missing.output.startswith("error:") and len(missing.output.splitlines()) == 1
    unknown = CliRunner().invoke(app, ["eval", "cluster", "--input", str(labelled_files[0]), "--text-col", "text",
                                       "--label-col", "label", "--embedder", "bert"])
    assert unknown.exit_code == 1 and unknown.output == "error: unknown embedder 'bert'; choose one of auto, lsa, st, e5\n"
    one = tmp_path / "one.csv"  # one label scored NMI 1.0 (and a single row warned from inside sklearn)
    one.write_text("text,label\n手机壳好看,a\n手机壳太滑,a\n", encoding="utf-8")
    single = CliRunner().invoke(app, ["eval", "cluster", "--input", str(one), "--text-col", "text", "--label-col",
                                      "label", "--embedder", "lsa"])
    assert single.exit_code == 1 and single.output == (
        f"error: {one}: every row drawn has the label 'a': comparing themes with labels needs two or more\n")


def test_eval_demand_with_binary_or_named_negative_labels(tmp_path):
    rows = [("有没有低因的咖啡豆推荐", "1"), ("能不能出个燕麦拿铁", "1"), ("宝宝夜醒怎么办", "1"),
            ("哈哈哈笑死我了", "0"), ("今天天气真好", "0"), ("晚安各位", "0")]
    binary = tmp_path / "demand.csv"
    binary.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    report = json.loads(CliRunner().invoke(app, ["eval", "demand", "--input", str(binary), "--text-col", "text",
                                                 "--label-col", "label"]).stdout)
    assert set(report) >= {"precision", "recall", "f1", "macro_f1", "accuracy"} and report["accuracy"] >= 0.8
    named = tmp_path / "named.csv"
    named.write_text("text,tag\n" + "".join(f"{t},{'chat' if label == '0' else 'coffee'}\n" for t, label in rows),
                     encoding="utf-8")
    args = ["eval", "demand", "--input", str(named), "--text-col", "text", "--label-col", "tag"]
    assert json.loads(CliRunner().invoke(app, [*args, "--negative", "chat"]).stdout) == report
    refused = CliRunner().invoke(app, args)
    assert refused.exit_code == 1 and "--negative" in refused.output


def test_train_then_eval_sentiment_and_use_it_in_settings(tmp_path, monkeypatch):
    good = ["好吃又便宜，推荐", "送得很快，味道不错", "非常满意，还会回购", "分量足，好评", "包装精致，喜欢"]
    bad = ["太难吃了，差评", "送了两个小时，凉了", "再也不点了，失望", "分量太少，不值", "有头发，恶心"]
    rows = [(f"{text}{suffix}", label) for suffix in ("", "！", "。", "~") for texts, label in ((good, 1), (bad, 0))
            for text in texts]
    data = tmp_path / "reviews.csv"
    data.write_text("review,label\n" + "".join(f"{t},{label}\n" for t, label in rows), encoding="utf-8")
    out = tmp_path / "model"
    trained = CliRunner().invoke(app, ["train", "sentiment", "--input", str(data), "--text-col", "review",
                                       "--label-col", "label", "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout)["n_train"] == len(rows) and (out / "model.json").exists()
    args = ["eval", "sentiment", "--input", str(data), "--text-col", "review", "--label-col", "label"]
    lexicon = json.loads(CliRunner().invoke(app, args).stdout)
    fitted = json.loads(CliRunner().invoke(app, [*args, "--scorer", "trained", "--model", str(out)]).stdout)
    assert set(lexicon) >= {"accuracy", "macro_f1"} and fitted["accuracy"] >= 0.95

    monkeypatch.setenv("QUNSHENG_SENTIMENT", "trained")
    monkeypatch.setenv("QUNSHENG_SENTIMENT_MODEL", str(tmp_path / "never-trained"))
    missing = CliRunner().invoke(app, args)
    assert missing.exit_code == 1 and missing.output.startswith("error:") and len(missing.output.splitlines()) == 1
    monkeypatch.setenv("QUNSHENG_SENTIMENT", "transformers")
    monkeypatch.delenv("QUNSHENG_SENTIMENT_MODEL")
    unset = CliRunner().invoke(app, args)
    assert unset.output == "error: bad setting settings: QUNSHENG_SENTIMENT=transformers needs QUNSHENG_SENTIMENT_MODEL\n"
