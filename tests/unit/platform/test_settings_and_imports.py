"""Handlers import with no environment; settings are validated on first use, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cobranca.platform import settings

ROOT = Path(__file__).resolve().parents[3]


def test_missing_settings_are_named_together(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("RAW_BUCKET", raising=False)
    settings.reset_settings()

    with pytest.raises(settings.SettingsError) as raised:
        settings.get_settings()

    assert "TABLE_NAME" in str(raised.value)
    assert "RAW_BUCKET" in str(raised.value)
    settings.reset_settings()


def test_settings_are_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLE_NAME", "first")
    monkeypatch.setenv("RAW_BUCKET", "bucket")
    settings.reset_settings()
    first = settings.get_settings()

    monkeypatch.setenv("TABLE_NAME", "second")

    assert settings.get_settings() is first
    assert first.table_name == "first"
    settings.reset_settings()


@pytest.mark.parametrize(
    "app", sorted(ROOT.glob("functions/*/app.py")), ids=lambda p: p.parent.name
)
def test_every_handler_imports_with_an_empty_environment(app: Path) -> None:
    probe = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('handler', {str(app)!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "assert callable(module.lambda_handler)\n"
        "assert 'boto3' not in sys.modules, 'boto3 imported at module load'\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
