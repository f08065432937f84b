"""Steps: the nightly flow's progress bar also times each step and notes the memory peak after it."""
import os
import time

from flows.progress import Steps, report


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


def test_long_work_inside_a_step_shows_on_a_second_row_while_a_bar_is_shown():
    report("embedding", 1, 3)  # no bar: nothing to do
    with Steps(["embed"], enabled=True) as steps:
        report("embedding", 1, 3)
        assert [(t.description.strip(), t.completed, t.total)
                for t in steps._progress.tasks[1:]] == [("embedding", 1, 3)]
        report("embedding", 3, 3)
        assert len(steps._progress.tasks) == 1  # done: the row goes
    report("embedding", 1, 3)  # the bar has gone: nothing again


def test_a_steps_result_comes_back_whole_and_prefect_does_not_link_each_item():
    """Prefect links every item of a task's returned list to the task until the flow ends (a million
    floats: 3 s and 150 MB); a `step`'s result comes back quoted, so only the result itself is tracked."""
    from prefect import flow
    from prefect.context import FlowRunContext

    from flows.nightly import quiet_prefect_logs
    from flows.progress import step

    quiet_prefect_logs()  # as the CLI does: no server log lines on a closed stream at exit
    calls = []

    @step(retries=1)
    def scores(n: int) -> list[float]:
        calls.append(n)
        if len(calls) == 1:
            raise ConnectionError("the store went away for a moment")
        return [i + 0.5 for i in range(n)]

    @flow
    def night() -> tuple[list[float], int]:
        with Steps(["score"], enabled=False) as steps:
            found = steps.run("score", scores, 10_000)
        return found, len(FlowRunContext.get().run_results)

    found, tracked = night()
    assert found == [i + 0.5 for i in range(10_000)] and scores.name == "scores"
    assert calls == [10_000, 10_000]  # retried with the same argument
    assert tracked < 100
