"""Settings: safe development defaults; production refuses missing or placeholder values."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.settings import Settings, SettingsError, load_settings

PROD_OK = {
    "HOTLINE_ENV": "production",
    "HOTLINE_DATABASE_URL": "postgresql+psycopg://hotline:Vq8-real-pass@db:5432/hotline",
    "HOTLINE_PUBLIC_BASE_URL": "https://hotline.example.org",
    "HOTLINE_KEY_FILE": "/run/secrets/hotline-keys.json",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("HOTLINE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env file


def _set(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_development_defaults_to_sqlite_under_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATA_DIR", "/srv/hotline-data")
    settings = load_settings()

    assert settings.env == "development"
    assert settings.is_sqlite
    assert settings.sqlalchemy_url == "sqlite:////srv/hotline-data/hotline.db"


def test_production_with_every_value_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, PROD_OK)

    settings = load_settings()

    assert settings.env == "production"
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("HOTLINE_DATABASE_URL", "HOTLINE_DATABASE_URL"),
        ("HOTLINE_PUBLIC_BASE_URL", "HOTLINE_PUBLIC_BASE_URL"),
        ("HOTLINE_KEY_FILE", "HOTLINE_KEY_FILE"),
    ],
)
def test_production_names_a_missing_setting(
    monkeypatch: pytest.MonkeyPatch, missing: str, named: str
) -> None:
    _set(monkeypatch, {k: v for k, v in PROD_OK.items() if k != missing})

    with pytest.raises(SettingsError, match=named):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        (
            "HOTLINE_DATABASE_URL",
            "postgresql+psycopg://hotline:changeme@db/hotline",
            "HOTLINE_DATABASE_URL",
        ),
        (
            "HOTLINE_DATABASE_URL",
            "postgresql+psycopg://hotline:<password>@db/hotline",
            "HOTLINE_DATABASE_URL",
        ),
        ("HOTLINE_PUBLIC_BASE_URL", "http://hotline.example.org", "HOTLINE_PUBLIC_BASE_URL"),
        ("HOTLINE_PUBLIC_BASE_URL", "not a url", "HOTLINE_PUBLIC_BASE_URL"),
        ("HOTLINE_ENV", "staging", "HOTLINE_ENV"),
        ("HOTLINE_PORT", "99999", "HOTLINE_PORT"),
    ],
)
def test_production_refuses_placeholders_and_bad_values(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    _set(monkeypatch, {**PROD_OK, name: value})

    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_the_database_password_never_shows_in_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, PROD_OK)

    settings = load_settings()

    assert "Vq8-real-pass" not in repr(settings)
    assert "Vq8-real-pass" not in str(settings.model_dump())


def test_settings_do_not_read_the_environment_at_import() -> None:
    # Constructing twice with different environments gives different values: nothing cached.
    assert Settings(_env_file=None, port=1234).port == 1234
    assert Settings(_env_file=None).port == 8000


def test_serve_runs_the_worker_itself_only_on_the_embedded_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().worker_in_serve  # SQLite: nothing else would deliver the outbox

    _set(monkeypatch, PROD_OK)
    assert not load_settings().worker_in_serve  # PostgreSQL: `hotline worker` processes

    monkeypatch.setenv("HOTLINE_SERVE_RUNS_WORKER", "true")
    assert load_settings().worker_in_serve


def test_an_empty_variable_means_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**PROD_OK, "HOTLINE_TWILIO_ACCOUNT_SID": "", "HOTLINE_TWILIO_FROM": ""})
    settings = load_settings()

    assert settings.twilio is None  # SMS not set up, rather than a start-up failure


def test_production_with_sms_needs_someone_on_call(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(
        monkeypatch,
        {
            **PROD_OK,
            "HOTLINE_TWILIO_ACCOUNT_SID": "AC" + "1f" * 16,
            "HOTLINE_TWILIO_AUTH_TOKEN": "a-real-looking-token-9f8e7d",
            "HOTLINE_TWILIO_FROM": "+15005550006",
        },
    )
    with pytest.raises(SettingsError, match="HOTLINE_ONCALL_PHONES"):
        load_settings()

    monkeypatch.setenv("HOTLINE_ONCALL_PHONES", '["+359888123456"]')
    assert load_settings().on_call == ["+359888123456"]


def test_in_development_the_public_url_is_where_serve_listens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().public_base_url == "http://127.0.0.1:8000"

    monkeypatch.setenv("HOTLINE_PORT", "9001")
    settings = load_settings()
    assert settings.public_base_url == "http://127.0.0.1:9001"
    assert not settings.public_url_given
    # Signatures, the simulated Twilio and the audit log's first name all follow it.
    assert settings.twilio is not None
    assert settings.twilio.api_base == "http://127.0.0.1:9001/dev/twilio"
    assert settings.audit_log_name == "127.0.0.1:9001/audit"

    # `hotline serve --host 0.0.0.0 --port 9002`: every interface, reached on loopback.
    served = load_settings(host="0.0.0.0", port=9002)  # noqa: S104
    assert served.public_base_url == "http://127.0.0.1:9002"
    assert load_settings(host="::1", port=9003).public_base_url == "http://[::1]:9003"

    monkeypatch.setenv("HOTLINE_PUBLIC_BASE_URL", "https://tunnel.example.net")
    given = load_settings(port=9004)
    assert given.public_base_url == "https://tunnel.example.net"  # an explicit URL wins
    assert given.public_url_given


def test_production_public_url_never_comes_from_the_port(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {k: v for k, v in PROD_OK.items() if k != "HOTLINE_PUBLIC_BASE_URL"})
    monkeypatch.setenv("HOTLINE_PORT", "9001")

    with pytest.raises(SettingsError, match="HOTLINE_PUBLIC_BASE_URL"):
        load_settings()
    with pytest.raises(SettingsError, match="HOTLINE_PUBLIC_BASE_URL"):
        load_settings(port=9002)
