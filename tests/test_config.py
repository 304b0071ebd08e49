"""Settings from secret files, the database password apart from the URL, and keys checked at
startup without ever being quoted."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from ehp_api.core.config import SECRETS_DIR_VARIABLE, Settings, split_keys

PG_URL = "postgresql+psycopg://ehp@db:5432/ehp"


@pytest.fixture
def secrets_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("EHP_ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("EHP_DATABASE_PASSWORD", raising=False)
    monkeypatch.setenv(SECRETS_DIR_VARIABLE, str(tmp_path))
    return tmp_path


def test_settings_are_read_from_files_named_after_them(secrets_dir: Path) -> None:
    key = Fernet.generate_key().decode()
    (secrets_dir / "EHP_ENCRYPTION_KEY").write_text(f"{key}\n")
    settings = Settings(database_url=PG_URL, _env_file=None)
    assert settings.encryption_key is not None
    assert settings.encryption_key.get_secret_value() == key


def test_the_environment_wins_over_a_file(
    secrets_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (secrets_dir / "EHP_LOG_LEVEL").write_text("debug")
    monkeypatch.setenv("EHP_LOG_LEVEL", "warning")
    assert Settings(_env_file=None).log_level == "warning"


def test_the_database_password_goes_into_the_url(secrets_dir: Path) -> None:
    (secrets_dir / "EHP_DATABASE_PASSWORD").write_text("p@ss:w/rd%\n")
    settings = Settings(database_url=PG_URL, _env_file=None)
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        "ehp",
        "p@ss:w/rd%",
        "db",
        "ehp",
    )


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://ehp:another@db:5432/ehp", "sqlite:///./ehp.db"]
)
def test_a_database_password_with_no_place_in_the_url_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="EHP_DATABASE_PASSWORD") as refusal:
        Settings(database_url=url, database_password="s3cret-value", _env_file=None)
    assert "s3cret-value" not in str(refusal.value)


def test_an_encryption_key_that_is_no_fernet_key_is_refused_without_quoting_it() -> None:
    almost = Fernet.generate_key().decode()[:-2]
    with pytest.raises(ValidationError, match="not a Fernet key") as refusal:
        Settings(encryption_key=almost, _env_file=None)
    assert almost not in str(refusal.value)


def test_several_encryption_keys_are_read_as_a_list_first_first() -> None:
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = Settings(encryption_key=f" {first} , {second}\n", _env_file=None)
    assert settings.encryption_key is not None
    assert split_keys(settings.encryption_key.get_secret_value()) == [first, second]


def test_a_listed_key_that_is_no_fernet_key_is_refused_by_its_place_without_quoting_it() -> None:
    almost = Fernet.generate_key().decode()[:-2]
    keys = f"{Fernet.generate_key().decode()},{almost}"
    with pytest.raises(ValidationError, match="key 2 of 2 is not a Fernet key") as refusal:
        Settings(encryption_key=keys, _env_file=None)
    assert almost not in str(refusal.value)
