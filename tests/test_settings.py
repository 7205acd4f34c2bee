"""Settings: no guessable secret, a development key made once, production strictness."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.settings import Settings


def test_production_refuses_to_start_without_signing_keys() -> None:
    with pytest.raises(ValidationError, match="THROUGHGATE_SIGNING_KEYS"):
        Settings(env="production", signing_keys=None)
    assert Settings(env="production", signing_keys="k1:" + "s" * 40).signing_key_map == {
        "k1": "s" * 40
    }


def test_development_key_is_made_once_beside_the_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/data/throughgate.db"
    first = Settings(database_url=url).signing_key_map
    key_file = tmp_path / "data" / "throughgate-signing.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    second = Settings(database_url=url).signing_key_map
    assert first == second
    ((kid, secret),) = first.items()
    assert kid.startswith("dev-") and len(secret) >= 48
    other = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/elsewhere.db").signing_key_map
    assert other != first


@pytest.mark.parametrize("keys", ["nocolon", "k1:short", ":" + "s" * 40])
def test_malformed_keys_are_refused(keys: str) -> None:
    with pytest.raises(ValueError, match="kid:secret"):
        Settings(signing_keys=keys).signing_key_map  # noqa: B018


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/throughgate")
    monkeypatch.setenv("THROUGHGATE_CORS_ORIGINS", '["https://app.example.org"]')
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://u@db/throughgate"
    assert settings.cors_origins == ["https://app.example.org"]
    assert not settings.is_sqlite


@pytest.mark.parametrize(
    ("written", "used"),
    [
        ("sqlite:///data/throughgate.db", "sqlite+aiosqlite:///data/throughgate.db"),
        ("postgresql://u:pw@db:5432/tg", "postgresql+psycopg://u:pw@db:5432/tg"),
        ("postgres://u@db/tg", "postgresql+psycopg://u@db/tg"),
    ],
)
def test_a_database_url_as_people_write_it_just_works(written: str, used: str) -> None:
    assert Settings(database_url=written).database_url == used


@pytest.mark.parametrize("url", ["mysql://u@db/tg", "not a url"])
def test_a_wrong_database_url_is_one_clear_line(url: str) -> None:
    with pytest.raises(ValueError, match=r"use sqlite:///path\.db or postgresql://") as refused:
        Settings(database_url=url)
    assert "Traceback" not in str(refused.value)
