"""Config: defaults, a council's TOML, and clear refusals of malformed files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from asb_tui.config import Config, ConfigError, closure_dates, load_config, resolve_data_dir


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ASB_CONFIG", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.auto_lock_minutes == 5
    assert config.region == "england-and-wales"
    assert config.retention_years == 5


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    monkeypatch.setenv("ASB_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(None) == tmp_path / "env"


def test_council_settings_are_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        'officer = "Jo Bloggs"\nteam = "north"\nregion = "scotland"\nauto_lock_minutes = 2\n'
        'closures = ["24/12-01/01", "03/04/2026"]\nsignposting = ["Victim Support"]\n',
    )
    config = load_config(tmp_path)
    assert (config.officer, config.team, config.region) == ("Jo Bloggs", "north", "scotland")
    assert config.auto_lock_minutes == 2.0
    assert config.signposting == ("Victim Support",)
    days = closure_dates(config, range(2026, 2027))
    assert date(2026, 12, 24) in days and date(2026, 1, 1) in days
    assert date(2026, 4, 3) in days and date(2026, 4, 2) not in days


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("region = 'wales'\n", "england-and-wales"),
        ("auto_lock_minutes = 'soon'\n", "auto_lock_minutes"),
        ("closures = ['32/13']\n", "closure"),
        ("signposting = 'Victim Support'\n", "list of strings"),
        ("officer = \n", "config.toml"),
        ("manager_review_days = true\n", "manager_review_days"),
    ],
)
def test_malformed_config_is_refused_with_its_path(
    tmp_path: Path, text: str, fragment: str
) -> None:
    write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    assert fragment in str(error.value)


def test_config_is_frozen(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    with pytest.raises(AttributeError):
        config.team = "other"  # type: ignore[misc]
