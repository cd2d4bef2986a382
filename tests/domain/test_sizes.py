"""Size strings: PVE's spellings to bytes and back."""

import pytest

from proxvps.domain.sizes import format_size, gib, parse_size

GIB = 1024**3


@pytest.mark.parametrize(
    ("text", "size_bytes"),
    [
        pytest.param("32G", 32 * GIB, id="gib"),
        pytest.param("512M", 512 * 1024**2, id="mib"),
        pytest.param("1T", 1024**4, id="tib"),
        pytest.param("4096K", 4096 * 1024, id="kib"),
        pytest.param("1000", 1000, id="bare-bytes"),
        pytest.param("0", 0, id="zero"),
        pytest.param("1.5G", 1610612736, id="decimal"),
        pytest.param("0.1K", 102, id="fraction-of-a-byte-dropped"),
        pytest.param("8GiB", 8 * GIB, id="iec-suffix"),
    ],
)
def test_parse_size_gives_bytes(text: str, size_bytes: int) -> None:
    assert parse_size(text) == size_bytes


@pytest.mark.parametrize(
    ("size_bytes", "text"),
    [
        pytest.param(32 * GIB, "32G", id="gib"),
        pytest.param(1536 * 1024**2, "1536M", id="not-a-whole-gib"),
        pytest.param(2 * 1024**4, "2T", id="tib"),
        pytest.param(4 * 1024, "4K", id="kib"),
        pytest.param(1000, "1000", id="bytes"),
        pytest.param(0, "0", id="zero"),
    ],
)
def test_format_size_uses_the_largest_exact_unit(size_bytes: int, text: str) -> None:
    assert format_size(size_bytes) == text


@pytest.mark.parametrize("text", ["32G", "1536M", "528K", "1000", "3T"])
def test_format_size_reads_back_as_the_same_text(text: str) -> None:
    assert format_size(parse_size(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("-1G", id="negative"),
        pytest.param("32g", id="lower-case-unit"),
        pytest.param("32 G", id="space"),
        pytest.param("1.G", id="dangling-dot"),
        pytest.param("G", id="unit-only"),
        pytest.param("32GB", id="decimal-unit"),
        pytest.param("+1G", id="relative-resize"),
        pytest.param("big", id="junk"),
    ],
)
def test_parse_size_refuses_junk(text: str) -> None:
    with pytest.raises(ValueError, match="is not a disk size"):
        parse_size(text)


def test_format_size_refuses_a_negative_size() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_size(-1)


@pytest.mark.parametrize(
    ("amount", "size_bytes"),
    [
        pytest.param(0, 0, id="zero"),
        pytest.param(40, 40 * GIB, id="whole"),
        pytest.param(1.5, 1610612736, id="fraction"),
    ],
)
def test_gib_gives_bytes(amount: float, size_bytes: int) -> None:
    assert gib(amount) == size_bytes


@pytest.mark.parametrize("amount", [-1, -0.5, float("nan"), float("inf")])
def test_gib_refuses_negative_or_non_finite_amounts(amount: float) -> None:
    with pytest.raises(ValueError, match="finite number of at least 0"):
        gib(amount)
