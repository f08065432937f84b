"""Encodings are detected from the bytes, not assumed."""
import codecs

import pytest

from flows.sources.encoding import SAMPLE_BYTES, detect_encoding, open_text

TEXT = "时间,内容\n2024-03-01 09:15:02,求推荐记账App，最好能导出\n"


@pytest.mark.parametrize(("data", "expected"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.encode("utf-16"), "utf-16"),  # with BOM
    (TEXT.encode("utf-16-le"), "utf-16-le"),
    (TEXT.encode("utf-16-be"), "utf-16-be"),
])
def test_detects_and_decodes(tmp_path, data, expected):
    path = tmp_path / "export.txt"
    path.write_bytes(data)
    assert detect_encoding(path) == expected
    with open_text(path) as handle:
        assert handle.read().lstrip("\ufeff") == TEXT


def test_a_character_cut_at_the_sample_edge_is_still_utf8(tmp_path):
    path = tmp_path / "big.txt"
    body = ("a" * (SAMPLE_BYTES - 1)).encode() + "群".encode()  # the sample ends inside 群
    path.write_bytes(body)
    assert detect_encoding(path) == "utf-8"


def test_undecodable_bytes_are_replaced_not_raised(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_bytes("好的".encode() + b"\xff\xfe\xfa" + "谢谢".encode("utf-8"))
    with open_text(path) as handle:
        assert "谢谢" in handle.read()
