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
