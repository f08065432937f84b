"""`python benchmarks/demand.py`: the demand reader measured on real public data, and echo
attachment on the sample community.

"Voices a demand" (need, question, complaint or suggestion = 1) against two labelled sets
from ../shared/data (read in place, never copied into the repo):

* smp2017: SMP2017-ECDT task 1 utterances; Tag == "chat" is chit-chat (0), every other
  domain a task request (1).
* ecd_vs_lccc: customer turns of the Taobao dialogues (ecd_sample, label=1 lines, test then
  valid; utterances alternate customer/agent starting with the customer, and every session
  has an even number of utterances, so the customer turns are the even positions) as demand
  (1), against turns of the LCCC Weibo conversations (lccc_toy/toy_data.json, every turn of
  every dialogue) as chit-chat (0). Only texts that nlp.clean keeps as content are used (the
  nightly flow reads no other): "好的", "在吗", stickers and echoes drop out on both sides.
  ECD text is word-segmented and LCCC text character-segmented; the spaces are removed. The
  LCCC turns are sampled (seed 11) down to the number of customer turns, so both classes
  weigh the same; ecd_vs_lccc_all keeps every LCCC turn (about 7.5 chit-chat turns per
  customer turn) and is reported beside it.

Each set is split in two halves with a seeded shuffle (seed 7): SMP by row, ECD by session
and LCCC by dialogue, so no conversation straddles the halves. The cue lists were written
from general knowledge of Chinese and corrected on errors seen on the DEV half only; the
TEST half is the reported figure. Writes benchmarks/results/demand.json, prints a table.

The trained classifier (nlp/demand_trained.py) is fitted on a DEV half and measured on the TEST
half of the same set (and of the other set: cross-corpus), with and without the rule feature;
on SMP2017 also on its official split (the first 2,299 rows are train, the last 770 develop).
Exits 0 with a "skipped" line when ../shared/data is absent.
"""
from __future__ import annotations

import csv
import json
import os
import platform
import random
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("QUNSHENG_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "demand.json"
SPLIT_SEED, SAMPLE_SEED = 7, 11

# ECD tokens are separated by spaces; keep a space only between two Latin or digit tokens.
_TOKEN_SPACE = re.compile(r"(?<=[^A-Za-z0-9]) +|  +| +(?=[^A-Za-z0-9])")


def halves(n: int, seed: int = SPLIT_SEED) -> tuple[set[int], set[int]]:
    """DEV and TEST indices: a seeded shuffle cut in two."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return set(order[: n // 2]), set(order[n // 2:])


def smp_sets() -> dict[str, list[tuple[str, int]]]:
    with open(SHARED / "smp2017_ecdt_task1" / "Chinese_data.csv", encoding="utf-8", newline="") as f:
        rows = [(r["Sentence"], int(r["Tag"] != "chat")) for r in csv.DictReader(f, delimiter="\t")]
    dev, test = halves(len(rows))
    return {"dev": [rows[i] for i in sorted(dev)], "test": [rows[i] for i in sorted(test)]}


def ecd_sessions() -> list[list[str]]:
    sessions = []
    for name in ("test", "valid"):
        for line in (SHARED / "ecd_sample" / name).read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if fields[0] == "1":
                sessions.append([_TOKEN_SPACE.sub("", u.strip()) for u in fields[1:]])
    return sessions


def lccc_dialogues() -> list[list[str]]:
    data = json.loads((SHARED / "lccc_toy" / "toy_data.json").read_text(encoding="utf-8"))
    return [[u.replace(" ", "") for u in dialogue] for part in ("train", "valid", "test") for dialogue in data[part]]


def ecd_lccc_sets() -> tuple[dict, dict]:
    """(balanced, all) sets, each {"dev": [(text, label)], "test": [...]}."""
    from nlp.clean import clean

    sessions, dialogues = ecd_sessions(), lccc_dialogues()
    session_half, dialogue_half = halves(len(sessions)), halves(len(dialogues))
    balanced, everything = {}, {}
    for part, index in (("dev", 0), ("test", 1)):
        customer = [(u, 1) for i in sorted(session_half[index]) for j, u in enumerate(sessions[i])
                    if j % 2 == 0 and clean(u).is_content]
        chat = [(u, 0) for i in sorted(dialogue_half[index]) for u in dialogues[i] if clean(u).is_content]
        everything[part] = customer + chat
        balanced[part] = customer + random.Random(SAMPLE_SEED).sample(chat, len(customer))
    return balanced, everything


def measure(pairs: list[tuple[str, int]], reader=None) -> dict:
    from nlp.demand import evaluate_demand

    texts, labels = [t for t, _ in pairs], [y for _, y in pairs]
    start = time.perf_counter()
    metrics = evaluate_demand(texts, labels, reader)
    return metrics | {"messages_per_s": round(len(texts) / (time.perf_counter() - start))}


def measure_trained(train: list[tuple[str, int]], tests: dict[str, list[tuple[str, int]]], use_rules: bool) -> dict:
    """Fit on ``train``, measure on each of ``tests`` (name -> pairs)."""
    import tempfile

    from nlp.demand_trained import train_demand

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        model = train_demand([t for t, _ in train], [y for _, y in train], folder, use_rules=use_rules)
        result = {"train_n": len(train), "train_seconds": round(time.perf_counter() - start, 2)}
    for name, pairs in tests.items():
        result[name] = measure(pairs, model)
    return result


def trained_results(sets: dict) -> dict:
    smp, ecd = sets["smp2017"], sets["ecd_vs_lccc"]
    tests = {"smp2017_test": smp["test"], "ecd_vs_lccc_test": ecd["test"]}
    results = {}
    for use_rules in (False, True):
        key = "with_rules" if use_rules else "ngrams_only"
        results[key] = {"train_smp2017_dev": measure_trained(smp["dev"], tests, use_rules),
                        "train_ecd_vs_lccc_dev": measure_trained(ecd["dev"], tests, use_rules)}
    official = smp_official_split()
    results["smp2017_official_split"] = {"rules": measure(official["develop"]),
                                         "trained": measure_trained(official["train"], {"develop": official["develop"]},
                                                                    False)}
    return results


def smp_official_split() -> dict[str, list[tuple[str, int]]]:
    """SMP2017-ECDT task 1 as published: train (first 2,299 rows), develop (last 770)."""
    with open(SHARED / "smp2017_ecdt_task1" / "Chinese_data.csv", encoding="utf-8", newline="") as f:
        rows = [(r["Sentence"], int(r["Tag"] != "chat")) for r in csv.DictReader(f, delimiter="\t")]
    return {"train": rows[:2299], "develop": rows[2299:]}


def type_mix(pairs: list[tuple[str, int]]) -> dict[str, dict[str, int]]:
    """Demand types read per gold label (what the reader calls the demands and the chit-chat)."""
    from nlp.clean import clean
    from nlp.demand import read_demand

    mix: dict[str, Counter] = {"1": Counter(), "0": Counter()}
    for text, label in pairs:
        cleaned = clean(text)
        mix[str(label)][read_demand(cleaned.text, cleaned.flags).type] += 1
    return {label: dict(counts.most_common()) for label, counts in mix.items()}


def sample_echoes() -> dict:
    """Echo attachment on data/sample: does each planted echo attach to a message of its theme?"""
    from nlp.demand import attach_echoes

    folder = REPO / "data" / "sample"
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    messages = []
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            messages += [SimpleNamespace(id=r["message_id"], member=r["sender_id"], group=r["group"],
                                         sent_at=datetime.fromisoformat(r["time"]), text=r["text"])
                         for r in csv.DictReader(f)]
    planted = {m: theme for m, (kind, theme) in labels.items() if kind == "echo"}
    flagged = attach_echoes(messages, window_seconds=10 ** 9, max_gap_messages=10 ** 6)  # every flagged echo
    result = {"planted_echoes": len(planted), "flagged_by_clean": sum(m in flagged for m in planted),
              "messages": len(messages)}
    for window in (600, 1200, 1800):
        start = time.perf_counter()
        attached = attach_echoes(messages, window_seconds=window)
        seconds = time.perf_counter() - start
        found = [m for m in planted if m in attached]
        right = [m for m in found if labels[attached[m]][1] == planted[m]]
        result[f"window_{window}s"] = {
            "attached": len(found), "attached_to_its_theme": len(right),
            "accuracy_of_attached": round(len(right) / len(found), 4) if found else 0.0,
            "other_messages_attached": len(set(attached) - set(planted)),
            "messages_per_s": round(len(messages) / seconds)}
    return result


def main() -> None:
    if not SHARED.is_dir():
        print(f"skipped: {SHARED} not found (the shared public data sets live beside the repository)")
        return
    from nlp.demand import default_reader

    default_reader().read("预热")  # load the cue lists before timing
    balanced, everything = ecd_lccc_sets()
    sets = {"smp2017": smp_sets(), "ecd_vs_lccc": balanced, "ecd_vs_lccc_all": everything}
    results = {name: {part: measure(pairs) for part, pairs in parts.items()} for name, parts in sets.items()}
    for name, parts in sets.items():
        results[name]["test_types"] = type_mix(parts["test"])
    results["trained"] = trained_results(sets)
    results["sample_echoes"] = sample_echoes()
    results["machine"] = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"{'set':<16} {'half':<5} {'n':>5} {'pos':>5} {'P':>6} {'R':>6} {'F1':>6} {'macroF1':>8} {'acc':>6} "
          f"{'msg/s':>8}")
    for name in sets:
        for part in ("dev", "test"):
            m = results[name][part]
            print(f"{name:<16} {part:<5} {m['n']:>5} {m['positives']:>5} {m['precision']:>6.3f} {m['recall']:>6.3f} "
                  f"{m['f1']:>6.3f} {m['macro_f1']:>8.3f} {m['accuracy']:>6.3f} {m['messages_per_s']:>8}")
    print("trained classifier (fitted on a DEV half; macro-F1 on TEST halves):")
    for key in ("ngrams_only", "with_rules"):
        for train, r in results["trained"][key].items():
            print(f"  {key:<12} {train:<22} -> smp2017 test {r['smp2017_test']['macro_f1']:.3f}, "
                  f"ecd_vs_lccc test {r['ecd_vs_lccc_test']['macro_f1']:.3f}")
    o = results["trained"]["smp2017_official_split"]
    print(f"  smp2017 official split, develop: rules {o['rules']['macro_f1']:.3f}, "
          f"trained on train {o['trained']['develop']['macro_f1']:.3f}")
    e = results["sample_echoes"]
    print(f"sample echoes: {e['planted_echoes']} planted, {e['flagged_by_clean']} flagged \"echo\" by nlp.clean")
    for window in (600, 1200, 1800):
        w = e[f"window_{window}s"]
        print(f"  window {window:>4}s: {w['attached']} attached, {w['attached_to_its_theme']} to a message of their "
              f"theme ({w['accuracy_of_attached']:.1%}), {w['other_messages_attached']} other messages attached, "
              f"{w['messages_per_s']} msg/s")
    print(f"wrote {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
