"""Process-wide settings, read from the environment (prefix ``KONTROL_``)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///kontrol.db"


class Settings(BaseSettings):
    """Settings of one Kontrol process.

    ``secret_key`` signs session cookies. When it is not set, a random key is
    created once and kept in the database, so sessions survive restarts and
    every web replica of one installation agrees on it.
    """

    model_config = SettingsConfigDict(env_prefix="KONTROL_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str | None = None
    demo: bool = False
    page_size: int = 50
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 "low memory" profile).
    # Only lower them where hashing speed matters more than resistance (tests).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()
