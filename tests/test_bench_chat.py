"""The real-chat benchmark's own measures (benchmarks/chat.py), on made-up labels."""
import numpy as np

from benchmarks.chat import kept, unreadable


def test_a_theme_is_kept_when_the_next_night_holds_half_its_messages_again():
    earlier = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
    assert kept(earlier, np.array([5, 5, 5, 9, 7, 8, 7, 8, 5, 5])) == 1.0  # 0 as 5 (Jaccard 3/5), 1 as 7 (2/4)
    assert kept(earlier, np.array([5, 5, 5, 9, 7, 8, 9, 9, 5, 5])) == 0.5  # 1 split three ways: 9 holds 2 of 5
    assert kept(earlier, np.array([-1] * 10)) == 0.0  # outliers are no theme
    assert kept(np.array([-1, -1]), np.array([0, 0])) == 0.0


def test_names_that_say_no_topic_are_unreadable():
    assert unreadable(["早上化妆", "低因的豆子", "便宜·优惠"]) == 0.0
    assert unreadable(["528105689823_ems_99", " _5_10", "的_了_我", "今天下午下单明天能发货吗_x_y", "主播_好看_的"]) == 0.8
