"""Properties every parser keeps: it never raises, and every record comes out once."""
import string
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.exports import WRITERS, ChatLine
from flows.sources import MessageRecord, ParseOptions, Reject, available_formats, get_format
from tests.flows.sources.heads import HEADS, NAMES_OWNERS

FIXTURES = Path(__file__).parent / "fixtures"
FORMATS = available_formats()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def parse_bytes(fmt: str, data: bytes, name: str = "export") -> list:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        items = list(get_format(fmt).parse(path, ParseOptions()))
    assert all(isinstance(item, MessageRecord | Reject) for item in items)
    return items


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(data=st.binary(max_size=3000))
def test_no_parser_raises_on_arbitrary_bytes(fmt, data):
    parse_bytes(fmt, data)


def fixture_files():
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file()) if FIXTURES.exists() else []


@pytest.mark.parametrize("fmt", FORMATS)
@SETTINGS
@given(data=st.data())
def test_no_parser_raises_on_truncated_exports(fmt, data):
    files = fixture_files()
    if not files:
        return
    source = data.draw(st.sampled_from(files))
    content = source.read_bytes()
    cut = data.draw(st.integers(0, len(content)))
    parse_bytes(fmt, content[:cut], source.name)


TEXT = st.text(alphabet=st.sampled_from("求推荐低因咖啡豆宝宝夜醒防晒霜好用吗哈" + string.ascii_letters + "，。！？ ,\"'"),
               min_size=1, max_size=40).map(str.strip).filter(bool)


@pytest.mark.parametrize("fmt", sorted(set(WRITERS) & set(FORMATS)))
@SETTINGS
@given(texts=st.lists(TEXT, min_size=1, max_size=30), gaps=st.lists(st.integers(0, 200), min_size=30, max_size=30))
def test_every_written_record_is_read_back_once(fmt, texts, gaps):
    start = datetime(2026, 10, 1, tzinfo=UTC)
    lines, moment = [], start
    for number, (text, gap) in enumerate(zip(texts, gaps), start=1):
        moment += timedelta(seconds=gap)
        lines.append(ChatLine(number, "群1", f"wxid_{number % 4:05d}", f"成员{number % 4}", moment, text))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"export.{fmt}"
        WRITERS[fmt](lines, path)
        items = list(get_format(fmt).parse(path, ParseOptions()))
        again = list(get_format(fmt).parse(path, ParseOptions()))
    assert [i for i in items if isinstance(i, Reject)] == []
    assert [r.text for r in items] == [m.text for m in lines]
    assert len({r.source_key for r in items}) == len(lines)  # genuine repeats keep distinct keys
    assert [r.source_key for r in items] == [r.source_key for r in again]


@pytest.mark.parametrize("path", fixture_files(), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_each_fixture_is_claimed_by_its_own_format_only(path):
    from flows.sources import names_format
    from flows.sources.encoding import read_head

    head, family = read_head(path), path.relative_to(FIXTURES).parts[0]
    claimed = [fmt for fmt in FORMATS if get_format(fmt).sniff(head)]
    if names_format(head):
        assert names_format(head) == family and claimed == []
    elif claimed:
        assert claimed == [family]
    else:  # only deliberately broken fixtures go unrecognised
        assert any(word in path.name for word in ("broken", "truncated")), path


@pytest.mark.parametrize(("owner", "head"), HEADS)
def test_each_typical_head_is_claimed_by_its_own_format_only(owner, head):
    from flows.sources import names_format

    claimed = [fmt for fmt in FORMATS if get_format(fmt).sniff(head)]
    assert claimed == ([owner] if owner in FORMATS else [])
    assert names_format(head) == NAMES_OWNERS.get(owner)
