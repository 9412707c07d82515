"""The usage readers, file -> normalised rows (nothing written): each fixture (shapes from each
format's public documentation, tests/fixtures/imports/SOURCES.md), auto detection, and the
one-line error of a malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from frugal_ai.imports import FORMATS, MalformedFile, Skipped, UsageRow, detect, read_usage
from frugal_ai.imports.rows import per_request

FIXTURES = Path(__file__).parent / "fixtures" / "imports"


def _rows(name: str) -> tuple[list[UsageRow], list[Skipped]]:
    items = list(read_usage(FIXTURES / name))
    return [i for i in items if isinstance(i, UsageRow)], [i for i in items if isinstance(i, Skipped)]


@pytest.mark.parametrize("name, fmt", [
    ("generic.csv", "csv"), ("openai-usage.json", "openai-usage"), ("openai-usage.csv", "openai-usage"),
    ("anthropic-usage.json", "anthropic-usage"), ("anthropic-analytics-usage.json", "anthropic-usage"),
    ("otlp-genai.json", "otlp-json"),
    ("litellm-spend-logs.json", "litellm"), ("langfuse-observations.json", "langfuse"),
    ("azure-metrics.json", "azure-metrics"), ("azure-metrics.csv", "azure-metrics"),
])
def test_auto_detection_names_each_fixtures_format(name: str, fmt: str) -> None:
    assert detect(FIXTURES / name) == fmt
    assert fmt in FORMATS


def test_the_cli_offers_every_format() -> None:
    from frugal_ai.cli.ledger import IMPORT_FORMATS

    assert IMPORT_FORMATS == FORMATS


def test_generic_csv_rows_keep_per_request_counts_and_skip_zero_requests() -> None:
    rows, skipped = _rows("generic.csv")
    assert [(r.model, r.requests, r.input_tokens, r.output_tokens, r.workload) for r in rows] == [
        ("gpt-4o-mini", 3000, 1500, 300, "invoice-ocr"), ("gpt-4o-mini", 2800, 1500, 300, "invoice-ocr"),
        ("mistral-large-2411", 120, 800, 400, "support-bot"), ("le-chat", 50, 600, 250, "web-assistant")]
    assert rows[2].start_s == 1772296200.0  # 2026-02-28T17:30:00+01:00 is 16:30 UTC
    assert skipped == [Skipped("line 7", "0 requests")]  # the file's own line number, comments counted


def test_openai_usage_json_divides_bucket_totals_by_the_request_count() -> None:
    rows, skipped = _rows("openai-usage.json")
    gpt4o = next(r for r in rows if r.model == "gpt-4o-2024-08-06")
    # 90,003 input tokens over 30 requests: 3,000.1 per request, rounded
    assert (gpt4o.requests, gpt4o.input_tokens, gpt4o.output_tokens) == (30, 3000, 1000)
    assert (gpt4o.start_s, gpt4o.end_s, gpt4o.provider) == (1767225600.0, 1767312000.0, "openai")
    assert sum(r.requests for r in rows) == 3030
    assert [s.reason for s in skipped] == ["no model (export with group_by=model)"]
    assert skipped[0].where == "data[0], results[2]"


def test_the_openai_csv_export_and_the_api_json_give_the_same_keys() -> None:
    json_rows, _ = _rows("openai-usage.json")
    csv_rows, _ = _rows("openai-usage.csv")
    assert {r.key for r in csv_rows} <= {r.key for r in json_rows}
    assert len(csv_rows) == 2


def test_anthropic_usage_without_a_request_count_is_skipped_with_the_reason() -> None:
    rows, skipped = _rows("anthropic-usage.json")
    assert rows == []
    assert len(skipped) == 1 and "no request count" in skipped[0].reason


def test_anthropic_analytics_usage_counts_requests_and_every_input_token_kind() -> None:
    rows, skipped = _rows("anthropic-analytics-usage.json")
    (row,) = rows
    # 150,000 uncached + 30,000 cache read + 20,000 cache creation, over 100 requests
    assert (row.requests, row.input_tokens, row.output_tokens, row.model, row.provider) == (
        100, 2000, 450, "claude-sonnet-4-20250514", "anthropic")
    assert row.start_s == 1767225600.0 and row.end_s == 1767312000.0
    assert [s.reason for s in skipped] == ["no model (export with group_by=model)"]  # code execution


def test_otlp_spans_follow_the_genai_conventions_old_and_new() -> None:
    rows, skipped = _rows("otlp-genai.json")
    by_model = {r.model: r for r in rows}
    new = by_model["gpt-4o-mini-2024-07-18"]  # gen_ai.response.model wins over the request's
    assert (new.provider, new.input_tokens, new.output_tokens, new.workload) == ("openai", 1200, 250, "route-optimiser")
    assert new.start_s == 1767780000.0 and new.key == "5b8efff798038103d269b633813fc60c/eee19b7ec3c1b174"
    old = by_model["claude-3-5-haiku-20241022"]  # gen_ai.system, prompt/completion tokens, JSON numbers
    assert (old.provider, old.input_tokens, old.output_tokens) == ("anthropic", 900, 120)
    assert by_model["prod-gpt4o"].provider == "azure"
    assert [s.reason for s in skipped] == ["not a GenAI span"]


def test_litellm_spend_logs_one_request_a_row() -> None:
    rows, skipped = _rows("litellm-spend-logs.json")
    assert [(r.key, r.model, r.provider, r.input_tokens, r.output_tokens) for r in rows] == [
        ("chatcmpl-9f1c2a", "gpt-4o-mini-2024-07-18", "openai", 1200, 250),
        ("chatcmpl-9f1c2b", "prod-gpt4o", "azure", 2000, 400)]  # no model: its model_group (an alias)
    assert [s.reason for s in skipped] == ["not a token call (aimage_generation)"]


def test_langfuse_generations_keep_reasoning_apart() -> None:
    rows, skipped = _rows("langfuse-observations.json")
    o3 = next(r for r in rows if r.model == "o3-mini")
    assert (o3.input_tokens, o3.output_tokens, o3.reasoning_tokens) == (500, 500, 1600)
    assert [s.reason for s in skipped] == ["not a generation (span)"]


def test_azure_metrics_join_requests_and_tokens_per_grain_and_deployment() -> None:
    (row,) = _rows("azure-metrics.json")[0]
    assert (row.model, row.requests, row.input_tokens, row.output_tokens) == ("gpt-4o", 400, 2000, 300)
    assert row.tags == {"azure_deployment": "prod-gpt4o"}
    rows, _ = _rows("azure-metrics.csv")
    assert {(r.model, r.requests, r.input_tokens, r.output_tokens) for r in rows} == {
        ("prod-gpt4o", 250, 2000, 300), ("gpt-4o-mini", 100, 1200, 300)}


@pytest.mark.parametrize("name, message", [
    ("malformed-count.csv", "malformed-count.csv: line 3: requests is not a number ('ten')"),
    ("malformed-otlp.json", "malformed-otlp.json: line 3: not valid JSON"),
])
def test_a_malformed_file_names_the_file_the_line_and_the_field(name: str, message: str) -> None:
    with pytest.raises(MalformedFile) as e:
        list(read_usage(FIXTURES / name))
    assert message in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("text, message", [
    ("date,provider,model,requests,input_tokens\n", "line 1: column output_tokens is missing"),
    ("date,provider,model,requests,input_tokens,output_tokens,cost\n", "line 1: column 'cost' is not one of"),
    ("date,provider,model,requests,input_tokens,output_tokens\n2026-13-01,openai,gpt-4o,1,1,1\n",
     "line 2: date is not an ISO 8601 date or time"),
    ("date,provider,model,requests,input_tokens,output_tokens\n2026-01-01,openai,gpt-4o,1,-5,1\n",
     "line 2: input_tokens is negative (-5)"),
    ("date,provider,model,requests,input_tokens,output_tokens\n2026-01-01,openai,,1,5,1\n", "line 2: model is empty"),
    ("date,provider,model,requests,input_tokens,output_tokens\n2026-01-01,openai,gpt-4o,1,5\n",
     "line 2: 5 fields where the header has 6"),
])
def test_generic_csv_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "u.csv"
    path.write_text(text)
    with pytest.raises(MalformedFile) as e:
        list(read_usage(path, "csv"))
    assert f"{path}: {message}" in str(e.value)


def test_an_unknown_file_says_which_formats_there_are(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(MalformedFile, match="format not recognised; give --format"):
        detect(path)


@pytest.mark.parametrize("total, requests, expected", [(90003, 30, 3000), (10, 4, 3), (0, 5, 0), (7, 1, 7), (14, 4, 4)])
def test_per_request_rounds_half_up(total: int, requests: int, expected: int) -> None:
    assert per_request(total, requests) == expected
