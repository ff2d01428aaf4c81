"""The processes `tekkie run` starts: one Rasa server per RASA_SERVERS, each on its own port."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.ops import services
from bot.settings import Settings


def test_one_rasa_server_by_default(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(runtime_dir=tmp_path)
    specs = services.rasa_specs(settings, tmp_path / "model.tar.gz")
    assert [(spec.name, spec.port) for spec in specs] == [("rasa", settings.rasa_port)]


def test_each_rasa_server_has_its_own_port_and_name(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(runtime_dir=tmp_path, rasa_servers=3, rasa_port=7100)
    specs = services.rasa_specs(settings, tmp_path / "model.tar.gz")
    assert [(spec.name, spec.port) for spec in specs] == [
        ("rasa", 7100), ("rasa-2", 7101), ("rasa-3", 7102)
    ]  # fmt: skip
    for spec in specs:  # the command listens where the app and the readiness check look
        assert spec.command[spec.command.index("--port") + 1] == str(spec.port)
        assert spec.ready_url.startswith(f"http://127.0.0.1:{spec.port}/status")
    assert [spec.ready_url.split("/status")[0] for spec in specs] == settings.rasa_server_urls
