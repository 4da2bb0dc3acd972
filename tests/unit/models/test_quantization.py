"""Quantization table, level and size parsing, weight estimates."""

from __future__ import annotations

import pytest

from ollama_lsp.models import (
    CREATE_QUANTIZE_LEVELS,
    LEVELS,
    UnknownLevel,
    can_quantize,
    estimate_weight_bytes,
    format_parameter_count,
    get_level,
    parse_level,
    parse_parameter_size,
)


def test_table_has_every_level_once_with_sensible_numbers() -> None:
    names = [level.name for level in LEVELS]
    assert len(names) == len(set(names))
    for required in ("Q2_K", "Q3_K_S", "Q3_K_M", "Q3_K_L", "Q4_0", "Q4_1", "Q4_K_S", "Q4_K_M",
                     "Q5_0", "Q5_1", "Q5_K_S", "Q5_K_M", "Q6_K", "Q8_0", "F16", "F32"):  # fmt: skip
        assert required in names
    assert get_level("Q4_0").bits_per_weight == 4.5
    assert get_level("Q8_0").bits_per_weight == 8.5
    assert get_level("F16").bits_per_weight == 16
    assert 4.8 <= get_level("Q4_K_M").bits_per_weight <= 4.9
    # Within the K-quants, more bits never cost quality.
    k_quants = sorted((lv for lv in LEVELS if "_K" in lv.name), key=lambda lv: lv.bits_per_weight)
    losses = [lv.ppl_increase for lv in k_quants]
    assert losses == sorted(losses, reverse=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q4_K_M", "Q4_K_M"),
        ("q4_k_m", "Q4_K_M"),
        ("q4_K_M", "Q4_K_M"),
        ("Q4_K", "Q4_K_M"),
        ("fp16", "F16"),
        ("F16", "F16"),
        ("bf16", "BF16"),
        ("Q8_0", "Q8_0"),
        (" q2_K ", "Q2_K"),
        ("IQ4_XS", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_level(text: str | None, expected: str | None) -> None:
    level = parse_level(text)
    assert (level.name if level else None) == expected


def test_get_level_names_the_known_levels_when_it_fails() -> None:
    with pytest.raises(UnknownLevel, match="Q4_K_M"):
        get_level("Q9_X")


@pytest.mark.parametrize(
    ("level", "suffix"),
    [
        ("Q4_K_M", "q4_K_M"),
        ("Q8_0", "q8_0"),
        ("Q2_K", "q2_K"),
        ("F16", "fp16"),
        ("Q5_K_S", "q5_K_S"),
    ],
)
def test_tag_suffix(level: str, suffix: str) -> None:
    assert get_level(level).tag_suffix == suffix


@pytest.mark.parametrize(
    ("text", "count"),
    [("7B", 7_000_000_000), ("1.1B", 1_100_000_000), ("6.7B", 6_700_000_000),
     ("7.6B", 7_600_000_000), ("137M", 137_000_000), ("1B", 1_000_000_000), ("x", None),
     ("", None)],
)  # fmt: skip
def test_parse_parameter_size(text: str, count: int | None) -> None:
    assert parse_parameter_size(text) == count


@pytest.mark.parametrize(
    ("count", "text"), [(7_615_616_512, "7.6B"), (7_000_000_000, "7B"), (137_000_000, "137M")]
)
def test_format_parameter_count_round_trips_ollama_style(count: int, text: str) -> None:
    assert format_parameter_count(count) == text


def test_weight_estimates_match_the_library_sizes() -> None:
    codellama_7b = estimate_weight_bytes(6_738_546_688, get_level("Q4_0"))
    assert abs(codellama_7b - 3_825_910_662) / 3_825_910_662 < 0.02
    tinyllama = estimate_weight_bytes(1_100_048_384, get_level("Q4_0"))
    assert abs(tinyllama - 637_700_138) / 637_700_138 < 0.05
    q8 = estimate_weight_bytes(6_738_546_688, get_level("Q8_0"))
    assert 7.0e9 < q8 < 7.3e9  # the library's ~7.2 GB


def test_only_float_models_can_be_quantized_by_create() -> None:
    assert [lv.name for lv in CREATE_QUANTIZE_LEVELS] == ["Q4_K_M", "Q4_K_S", "Q8_0"]
    assert can_quantize(get_level("F16"), get_level("Q4_K_M"))
    assert can_quantize(get_level("F32"), get_level("Q8_0"))
    assert not can_quantize(get_level("Q8_0"), get_level("Q4_K_M"))
    assert not can_quantize(get_level("F16"), get_level("Q5_K_M"))
    assert not can_quantize(None, get_level("Q4_K_M"))
