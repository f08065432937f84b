"""The nightly flow through `qunsheng run`: the real Prefect engine on a small generated corpus."""
import csv
import json
import random

import numpy as np
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from flows.cli import app

THEMES = {
    "decaf": (["低因咖啡", "低因的豆子", "低因拿铁", "无咖啡因的"], ["晚上喝了睡不着", "怕失眠", "下午想喝又怕心慌", "孕期能喝吗"]),
    "foundation": (["粉底液", "伪素颜粉底", "底妆", "气垫粉底"], ["早上化妆来不及", "美妆蛋总弄不均匀", "加班熬夜脸色差", "赶时间上妆"]),
    "eczema": (["宝宝湿疹", "湿疹膏", "红屁屁", "宝宝皮肤过敏"], ["反反复复好不了", "晚上抓得睡不好", "医生开的药不敢多用", "换季就严重"]),
}
CHAT = ["早上好", "今天好冷啊大家注意保暖", "哈哈哈笑死我了", "周末有人去爬山吗", "晚安各位", "[动画表情]", "+1"]


def corpus(rng: random.Random):
    rows = []
    for n in range(240):
        day, hour = rng.randint(1, 28), rng.randint(8, 22)
        if n % 4 == 3:
            text, member = rng.choice(CHAT), f"chat{rng.randint(1, 10)}"
        else:
            theme = list(THEMES)[n % 3]
            subjects, contexts = THEMES[theme]
            text = f"{rng.choice(contexts)}，{rng.choice(['有没有', '求推荐', '想要', '哪款'])}{rng.choice(subjects)}{rng.choice(['', '啊', '呀', '？'])}"
            member = f"{theme}{rng.randint(1, 12)}"
        rows.append(["群", member, member, f"2026-10-{day:02d} {hour:02d}:00:00", text, f"m{n}"])
    return rows


@pytest.fixture
def small_community(tmp_path, database_url):
    export = tmp_path / "small.csv"
    with open(export, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"],
                                      *corpus(random.Random(42))])
    assert CliRunner().invoke(app, ["ingest", str(export), "--community", "small"]).exit_code == 0
    return "small"


def run(*args):
    result = CliRunner().invoke(app, ["run", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def themes_json(community):
    return json.loads(CliRunner().invoke(app, ["themes", "--community", community, "--json"]).stdout)


def test_run_finds_themes_records_the_run_and_keeps_ids(small_community):
    first = run("--community", small_community, "--min-cluster-size", "10")
    assert first["themes"] >= 3 and first["messages"] == 240 and first["members_tagged"] >= 30
    assert first["embedder"].startswith("lsa") and first["warnings"] == []
    found = themes_json(small_community)
    tops = [set(t["keywords"][:5]) for t in found]
    for subject in ("低因", "粉底", "湿疹"):
        assert any(subject in top for top in tops), (subject, tops)
    again = run("--community", small_community, "--min-cluster-size", "10")
    assert again["run"] == first["run"] + 1
    assert [t["id"] for t in themes_json(small_community)] == [t["id"] for t in found]


def test_the_run_record_keeps_the_clusterers_effective_parameters(small_community, sessions):
    from models.tables import Run

    ran = run("--community", small_community)
    with sessions() as session:
        counts = session.get(Run, ran["run"]).counts
    clustering = counts["clustering"]
    assert clustering == ran["clustering"]
    assert clustering["min_cluster_size"] == 8  # chosen for the corpus: max(8, 0.5 x sqrt(n))
    assert clustering["n"] == counts["content_messages"] and clustering["fitted_on"] == clustering["n"]
    assert clustering["keywords"] is True and clustering["seed"] == 0
    for name in ("reassign_quantile", "reassign_separation", "word_share", "reduce_to", "max_fit"):
        assert name in clustering
    assert 0 <= clustering["raw_outlier_share"] <= 1 and clustering["raw_themes"] >= counts["themes"]


def test_run_with_a_sentence_transformers_model_embeds_each_text_once(small_community, tiny_model, tmp_path):
    args = ("--community", small_community, "--embedder", "st", "--model", str(tiny_model), "--min-cluster-size", "10")
    record = run(*args)
    assert record["embedder"] == f"st:{tiny_model}" and record["warnings"] == []
    weighting = record["clustering"]["word_share"], record["clustering"]["keywords_full"]
    assert weighting == (0.6, 30)  # weighed as a pretrained encoder, not as LSA (0.9, None)
    assert 0 < record["embedded_texts"] <= record["content_messages"]
    assert run(*args)["embedded_texts"] == 0  # the second night finds every vector in the cache

    later = tmp_path / "later.csv"
    with open(later, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"],
                                      ["群", "decaf1", "d", "2026-10-29 10:00:00", "孕期想要低因拿铁有没有", "n1"],
                                      ["群", "decaf2", "d", "2026-10-29 11:00:00", "孕期想要低因拿铁有没有", "n2"]])
    assert CliRunner().invoke(app, ["ingest", str(later), "--community", small_community]).exit_code == 0
    assert run(*args)["embedded_texts"] == 1  # one new text, said twice


def test_a_night_stopped_while_embedding_keeps_the_chunks_it_saved(database_url, sessions, tiny_model):
    from flows.nightly import _embed_with_cache
    from models.store import cached_vectors
    from models.store import text_hash
    from nlp.embed.sentence_transformers import SentenceTransformerEmbedder

    class StopsAtSecondChunk(SentenceTransformerEmbedder):  # the model is real; the failure is injected
        calls = 0

        def embed(self, texts):
            self.calls += 1
            if self.calls == 2:
                raise KeyboardInterrupt  # an operator's Ctrl-C half-way through a first import
            return super().embed(texts)

    texts = [f"第{n}条想要低因咖啡" for n in range(5)]
    with pytest.raises(KeyboardInterrupt):
        _embed_with_cache(database_url, StopsAtSecondChunk(str(tiny_model)), texts, chunk=2)
    embedder = SentenceTransformerEmbedder(str(tiny_model))
    with sessions() as session:
        assert len(cached_vectors(session, embedder.model_id, [text_hash(t) for t in texts])) == 2
    vectors, embedded = _embed_with_cache(database_url, embedder, texts, chunk=2)
    assert embedded == 3 and vectors.shape[0] == 5
    assert np.allclose(vectors, embedder.embed(texts), atol=1e-5)


def test_the_embedding_settings_reach_the_model(small_community, tiny_model, monkeypatch, sessions):
    """QUNSHENG_EMBEDDING_DEVICE / _BATCH_SIZE / _BACKEND: how the nightly flow runs the model."""
    from sqlalchemy import select

    from models.tables import Run
    from nlp.embed.sentence_transformers import SentenceTransformerEmbedder, missing_packages

    seen = []
    real_embed = SentenceTransformerEmbedder.embed

    def watched(self, texts):
        seen.append((self.batch_size, str(self._model.device)))
        return real_embed(self, texts)

    monkeypatch.setattr(SentenceTransformerEmbedder, "embed", watched)
    monkeypatch.setenv("QUNSHENG_EMBEDDING_DEVICE", "cpu")
    monkeypatch.setenv("QUNSHENG_EMBEDDING_BATCH_SIZE", "3")
    record = run("--community", small_community, "--embedder", "st", "--model", str(tiny_model))
    assert record["embedded_texts"] > 0 and set(seen) == {(3, "cpu")}
    with sessions() as session:
        stored = session.scalars(select(Run.parameters).where(Run.id == record["run"])).one()
    assert stored["embedding_options"] == {"device": "cpu", "batch_size": 3, "backend": "torch"}

    if missing_packages("onnx"):  # the ONNX backend asked for where its packages are missing: said, not hidden
        monkeypatch.setenv("QUNSHENG_EMBEDDING_BACKEND", "onnx")
        failed = CliRunner().invoke(app, ["run", "--community", small_community, "--embedder", "st",
                                          "--model", str(tiny_model)])
        assert failed.exit_code == 1 and "onnxruntime" in failed.output and "Traceback" not in failed.output


def test_auto_falls_back_and_records_the_warning(small_community, tmp_path):
    record = run("--community", small_community, "--embedder", "auto", "--model", str(tmp_path / "missing"))
    assert record["embedder"].startswith("e5:") and "missing" in record["warnings"][0]
    assert "multilingual-e5-small" in record["warnings"][0] and record["themes"] > 0
    weighting = record["clustering"]["word_share"], record["clustering"]["keywords_full"]
    assert weighting == (0.6, 30)  # the keyword weighting e5 asks for


def test_bad_runs_fail_in_one_line(small_community, tmp_path):
    for args in (["--community", "nobody"], ["--community", small_community, "--embedder", "word2vec"],
                 ["--community", small_community, "--embedder", "st", "--model", str(tmp_path / "missing")],
                 ["--community", small_community, "--embedder", "st"]):
        result = CliRunner().invoke(app, ["run", *args])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("error:") and "Traceback" not in result.output
    assert "QUNSHENG_EMBEDDING_MODEL" in result.output  # st with no model named says how to name one


def test_a_community_without_content_runs_to_zero_themes(tmp_path, database_url):
    export = tmp_path / "noise.csv"
    rows = [["群", f"u{i}", "x", f"2026-10-0{1 + i % 9} 10:00:00", text, f"n{i}"]
            for i, text in enumerate(["[动画表情]", "+1", '"小鹿"邀请"阿May"加入了群聊', "哈哈", "同求"] * 4)]
    with open(export, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"], *rows])
    assert CliRunner().invoke(app, ["ingest", str(export), "--community", "noise"]).exit_code == 0
    record = run("--community", "noise")
    assert (record["messages"], record["content_messages"], record["themes"], record["members_tagged"]) == (20, 0, 0, 0)
    assert themes_json("noise") == []
    digest = CliRunner().invoke(app, ["digest", "--community", "noise"])
    assert digest.exit_code == 0 and "这次分析没有找到需求主题。" in digest.stdout and "声量最高" not in digest.stdout


def test_run_with_a_trained_sentiment_model(small_community, tmp_path, monkeypatch):
    from nlp.sentiment import train_sentiment

    train_sentiment(["好用推荐", "很喜欢", "满意回购", "太差了", "失望透顶", "难用退货"] * 3, [1, 1, 1, 0, 0, 0] * 3,
                    tmp_path / "sentiment")
    monkeypatch.setenv("QUNSHENG_SENTIMENT", "trained")
    monkeypatch.setenv("QUNSHENG_SENTIMENT_MODEL", str(tmp_path / "sentiment"))
    record = run("--community", small_community, "--min-cluster-size", "10")
    communities = json.loads(CliRunner().invoke(app, ["themes", "--community", small_community, "--json"]).stdout)
    assert record["themes"] >= 3 and communities
    from tests.conftest import api_client

    latest = api_client(small_community).get("/v1/communities").json()["data"][0]["latest_run"]
    assert latest["parameters"]["sentiment"] == "trained"
    assert latest["parameters"]["sentiment_model"] == str(tmp_path / "sentiment")


def staff_in_themes(sessions, community: str, sender: str) -> tuple[int, bool, bool]:
    """(messages of ``sender`` in the community's active themes, whether they have a layer, whether any tag)."""
    from sqlalchemy import func, select

    from models.tables import Community, Member, MemberLayer, MemberTag, Message, Theme, ThemeMessage

    with sessions() as session:
        member = session.scalar(select(Member).join(Community).where(Community.name == community,
                                                                     Member.sender_id == sender))
        in_themes = session.scalar(select(func.count()).select_from(ThemeMessage)
                                   .join(Theme, Theme.id == ThemeMessage.theme_id)
                                   .join(Message, Message.id == ThemeMessage.message_id)
                                   .where(Theme.active, Message.member_id == member.id))
        layered = session.get(MemberLayer, member.id) is not None
        tagged = session.scalar(select(func.count()).where(MemberTag.member_id == member.id)) > 0
    return in_themes, layered, tagged


def test_staff_messages_stay_out_of_themes_tags_and_layers(small_community, sessions, tmp_path):
    """A shop assistant answers the decaf askers in their own words: until marked as staff, those answers sit
    in the themes and the assistant is layered and tagged like a member; marked, none of it."""
    answers = tmp_path / "staff.csv"
    rng = random.Random(7)
    with open(answers, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["group", "sender_id", "sender_name", "time", "text", "message_id"], *[
            ["群", "shop1", "店长小林", f"2026-10-{rng.randint(1, 28):02d} 20:00:00",
             f"{rng.choice(['低因咖啡', '低因的豆子', '低因拿铁'])}本周到货了，{rng.choice(['晚上喝也不怕睡不着', '怕失眠的可以试试'])}",
             f"s{n}"] for n in range(30)]])
    invoke = CliRunner().invoke
    assert invoke(app, ["ingest", str(answers), "--community", small_community]).exit_code == 0
    run("--community", small_community, "--min-cluster-size", "10")
    assert staff_in_themes(sessions, small_community, "shop1") == (30, True, True)  # read as a member's demand

    marked = invoke(app, ["staff", "add", "shop1", "--community", small_community, "--json"])
    assert marked.exit_code == 0 and json.loads(marked.stdout) == {"changed": ["shop1"], "unchanged": 0}
    card = json.loads(invoke(app, ["member", "shop1", "--community", small_community, "--json"]).stdout)
    assert card["staff"] is True
    shown = invoke(app, ["member", "shop1", "--community", small_community]).stdout
    assert "店长小林 (shop1, small): 30 messages (staff)" in shown
    record = run("--community", small_community, "--min-cluster-size", "10")
    assert record["staff_messages"] == 30 and record["content_messages"] <= 240
    assert staff_in_themes(sessions, small_community, "shop1") == (0, False, False)
    listed = json.loads(invoke(app, ["staff", "list", "--community", small_community, "--json"]).stdout)
    assert listed == [{"member": "shop1", "display_name": "店长小林"}]

    removed = invoke(app, ["staff", "remove", "shop1", "--community", small_community])
    assert removed.exit_code == 0 and "1 member(s) no longer staff" in removed.stdout
    run("--community", small_community, "--min-cluster-size", "10")
    assert staff_in_themes(sessions, small_community, "shop1")[0] == 30


def test_staff_of_unknown_ids_changes_nothing(small_community, tmp_path):
    ids = tmp_path / "staff.txt"
    ids.write_text("# our people\ndecaf1\nnobody  # left last month\n", encoding="utf-8")
    invoke = CliRunner().invoke
    result = invoke(app, ["staff", "add", "--file", str(ids), "--community", small_community])
    assert result.exit_code == 1 and "no member 'nobody' in community 'small'" in result.stderr
    assert "nothing changed" in result.stderr and "Traceback" not in result.output
    assert json.loads(invoke(app, ["staff", "list", "--community", small_community, "--json"]).stdout) == []
    assert invoke(app, ["staff", "add", "--community", small_community]).exit_code == 1  # no id at all
    missing = invoke(app, ["staff", "add", "--file", str(tmp_path / "none.txt"), "--community", small_community])
    assert missing.exit_code == 1 and "cannot read" in missing.stderr
    assert invoke(app, ["staff", "add", "decaf1", "--community", "elsewhere"]).exit_code == 1


def test_a_hidden_theme_stays_hidden_from_night_to_night_and_tags_no_one(small_community, sessions):
    from models.tables import MemberTag

    run("--community", small_community, "--min-cluster-size", "10")
    target = themes_json(small_community)[0]
    assert CliRunner().invoke(app, ["theme", "hide", str(target["id"])]).exit_code == 0
    run("--community", small_community, "--min-cluster-size", "10")  # the same messages: every theme continues
    assert target["id"] not in [t["id"] for t in themes_json(small_community)]
    hidden = json.loads(CliRunner().invoke(app, ["themes", "--community", small_community, "--hidden", "--json"]).stdout)
    assert [(t["id"], t["runs_seen"]) for t in hidden] == [(target["id"], 2)]
    with sessions() as session:
        tagged = set(session.scalars(select(MemberTag.theme_id).where(MemberTag.theme_id.is_not(None))))
    assert tagged and target["id"] not in tagged
    digest = CliRunner().invoke(app, ["digest", "--community", small_community]).stdout
    assert f"> {target['label']} ·" not in digest and "**声量最高**" in digest
