"""Image generation end to end: the real OpenAI SDK against the fake server, captured into the
ledger, then priced by the inventory as images (docs/methodology.md § 3.8), not as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakeservers.fixtures import capture, fake_server, ledger_rows, remote  # noqa: F401 (fixtures)
from fakeservers.server import FakeAPIServer


def _client(fake_server: FakeAPIServer):  # type: ignore[no-untyped-def]
    import openai

    return openai.OpenAI(base_url=remote("api.openai.com", fake_server) + "/v1", api_key="sk-test", max_retries=0)


def test_gpt_image_1_is_captured_with_its_model_and_image_tokens(capture: None, fake_server: FakeAPIServer, ledger_path: Path) -> None:
    res = _client(fake_server).images.generate(model="gpt-image-1", prompt="a lighthouse", size="1024x1024")
    assert res.data and res.data[0].b64_json  # the SDK got the image through the wrapped transport
    (row,) = ledger_rows(ledger_path)
    # The reply does not name the model: it is read from the request's "model" key.
    assert (row["provider"], row["model"], row["path"], row["status"]) == ("openai", "gpt-image-1", "/v1/images/generations", "ok")
    assert (row["input_tokens"], row["output_tokens"]) == (9, 1056)


def test_captured_images_are_priced_as_images(capture: None, fake_server: FakeAPIServer, ledger_path: Path, tmp_path: Path) -> None:
    from frugal_ai.config import load_settings
    from frugal_ai.estimate import estimate_image
    from frugal_ai.inventory import load_inventory

    client = _client(fake_server)
    client.images.generate(model="gpt-image-1", prompt="a lighthouse", size="1024x1024")
    client.images.generate(model="dall-e-3", prompt="a harbour", size="1024x1024")  # no usage block in its reply
    assert {r["model"] for r in ledger_rows(ledger_path)} == {"gpt-image-1", "dall-e-3"}

    settings = load_settings(start=tmp_path, env={})
    inventory = load_inventory(ledger_path, settings=settings)
    by_model = {r.model: r for r in inventory.rows}
    for model in ("gpt-image-1", "dall-e-3"):
        row = by_model[model]
        assert row.footprint is not None and not row.fallbacks.unknown_model and row.fallbacks.kind_not_priced is None
        expected = estimate_image(model, 1, provider="openai", settings=settings)
        assert row.footprint.energy_kwh.central == pytest.approx(expected.energy_kwh.central)
        assert row.footprint.energy_kwh.central > 0
