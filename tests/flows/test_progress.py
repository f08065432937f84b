"""Steps: the nightly flow's progress bar also times each step and notes the memory peak after it."""
import os
import time

from flows.progress import Steps


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_steps_time_each_step_and_note_the_memory_peak():
    with Steps(["nap", "big"], enabled=False) as steps:
        steps.run("nap", time.sleep, 0.2)
        block = steps.run("big", bytearray, 256 * 2**20)  # zero-filled, so resident
        held = resident_mb()
    assert list(steps.seconds) == ["nap", "big"] and 0.2 <= steps.seconds["nap"] < 5
    assert held - 2 <= steps.peak_mb["big"] <= held + 2048 and steps.peak_mb["big"] >= steps.peak_mb["nap"]
    assert len(block) == 256 * 2**20


def test_a_prefect_task_gets_its_arguments_as_they_are():
    from prefect import task

    @task
    def count_words(token_lists: list[list[str]], extra: dict) -> int:
        assert isinstance(token_lists, list) and isinstance(extra, dict)  # not prefect's quote wrappers
        return sum(map(len, token_lists)) + len(extra)

    with Steps(["count"], enabled=False) as steps:
        assert steps.run("count", count_words, [["想要", "低因"], ["燕麦"]] * 1000, {"a": 1}) == 3001
