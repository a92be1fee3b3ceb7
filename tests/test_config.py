"""Config: defaults, a council's TOML, and clear refusals of malformed files and of values outside
what the procedure or the law allows (each with its reason), checked when the file is loaded."""

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


README_EXAMPLE = """
officer = "Jo Bloggs"
team = "north"
region = "england-and-wales"
auto_lock_minutes = 5
closures = ["24/12-01/01"]
manager_review_days = 14
review_sample_fraction = 0.10
vvc_weekday = "TU"
vvc_week_of_month = 2
retention_years = 5
server_url = "https://asb-sync.example-council.gov.uk"
"""


def test_the_readme_example_loads(tmp_path: Path) -> None:
    write(tmp_path, README_EXAMPLE)
    config = load_config(tmp_path)
    assert config.retention_years == 5 and config.vvc_weekday == "TU"
    assert config.server_url == "https://asb-sync.example-council.gov.uk"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("retention_years = -100\n", ["retention_years = -100", "at least 1", "destroyed"]),
        ("retention_years = 0\n", ["retention_years = 0", "at least 1"]),
        ("retention_years = 1000\n", ["retention_years", "at most 100"]),
        ("auto_lock_minutes = 0\n", ["auto_lock_minutes", "at least 1", "cannot be turned off"]),
        ("auto_lock_minutes = -5\n", ["auto_lock_minutes", "at least 1"]),
        ("auto_lock_minutes = 600\n", ["auto_lock_minutes", "at most 60"]),
        ("auto_lock_minutes = nan\n", ["auto_lock_minutes", "a number from 1 to 60"]),
        ("auto_lock_minutes = inf\n", ["auto_lock_minutes", "a number from 1 to 60"]),
        ("manager_review_days = 0\n", ["manager_review_days", "at least 1"]),
        ("review_sample_fraction = 1.5\n", ["review_sample_fraction", "at most 1"]),
        ("review_sample_fraction = 0\n", ["review_sample_fraction", "at least 0.01"]),
        ("review_sample_minimum = -1\n", ["review_sample_minimum", "at least 0"]),
        ("repeat_incidents = 1\n", ["repeat_incidents", "at least 2"]),
        ("repeat_window_months = 0\n", ["repeat_window_months", "at least 1"]),
        ("case_review_threshold = 4\n", ["case_review_threshold", "three at most"]),
        ("case_review_window_months = 3\n", ["case_review_window_months", "six months"]),
        ("vvc_cutoff_days = -1\n", ["vvc_cutoff_days", "at least 0"]),
        ("vvc_week_of_month = 5\n", ["vvc_week_of_month", "1 to 4", "-1"]),
        ("vvc_weekday = 'XX'\n", ["vvc_weekday", "weekday such as TU"]),
        ("vvc_weekday = 'T'\n", ["vvc_weekday", "weekday such as TU"]),
        ("server_url = 'ftp://sync.example'\n", ["server_url", "https://"]),
        ("server_url = 'https://'\n", ["server_url", "https://"]),
        ("server_url = 'https://host:port'\n", ["server_url", "https://"]),
        ("server_url = 'http://sync.example'\n", ["server_url", "loopback only"]),
        ("officer = ''\n", ["officer", "must not be empty"]),
        ("team = '   '\n", ["team", "must not be empty"]),
        ('council = "Bell\\u0007 Council"\n', ["council", "control characters"]),
        (f"officer = '{'x' * 201}'\n", ["officer", "at most 200 characters"]),
        ("agencies = []\n", ["agencies", "must not be empty"]),
        ("signposting = ['Victim Support', '']\n", ["signposting", "must not be empty"]),
        ("closures = ['31/02']\n", ["closure", "31/02"]),
        ("closures = ['24/12-01/01', 'christmas']\n", ["closure", "christmas"]),
        ("retention_year = 2\n", ["unknown setting 'retention_year'", "retention_years"]),
        ("[retention]\nyears = 5\n", ["unknown setting 'retention'"]),
        ("questionnaire = 'no-such-file.toml'\n", ["questionnaire", "no-such-file.toml"]),
        ("questionnaire = 'bad.toml'\n", ["questionnaire", "bad.toml"]),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_setting_outside_its_bounds_is_refused_with_the_reason(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    (tmp_path / "bad.toml").write_text("this is not a questionnaire = [\n", encoding="utf-8")
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path)
    message = str(error.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_bounds_admit_their_edges(tmp_path: Path) -> None:
    write(
        tmp_path,
        "retention_years = 1\nauto_lock_minutes = 60\ncase_review_threshold = 3\n"
        "case_review_window_months = 6\nreview_sample_fraction = 1.0\nvvc_week_of_month = -1\n"
        "vvc_weekday = 'friday'\nserver_url = 'http://127.0.0.1:8600'\nagency = ''\n",
    )
    config = load_config(tmp_path)
    assert (config.retention_years, config.auto_lock_minutes) == (1, 60.0)
    assert config.vvc_week_of_month == -1 and config.agency == ""


def test_config_is_frozen(tmp_path: Path) -> None:
    config = Config(data_dir=tmp_path)
    with pytest.raises(AttributeError):
        config.team = "other"  # type: ignore[misc]
