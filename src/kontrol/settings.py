"""Process-wide settings, read from the environment (prefix ``KONTROL_``)."""

import os
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
    # Job queue (docs/jobs.md): Redis and `kontrol worker` processes when set, else in-process.
    redis_url: str | None = None
    redis_namespace: str = "kontrol"
    job_backoff_seconds: float = 10.0
    job_backoff_max_seconds: float = 3600.0
    job_lease_seconds: float = 1800.0
    # How long a drainer of the ingest API's effects backlog holds the rows it took.
    effects_lease_seconds: float = 120.0
    # A worker silent this long is taken for dead and its messages go back to the queue.
    job_heartbeat_timeout_ms: int = 60000
    # Out of a million fetches, how many also put back the messages of dead workers.
    job_maintenance_chance: int = 10000
    # A web process remembers a valid API key this long (0: look it up on every request);
    # a key revoked in another process is refused within this many seconds.
    api_key_cache_seconds: float = 5.0
    # Finished job runs are deleted after this many days (dead ones are kept).
    job_keep_days: int = 14
    # Event subscribers declared heavy run through the queue above this many records.
    background_threshold: int = 500
    # -- surveys and alerts (docs/surveys.md, docs/alerts.md) --
    # Address customers reach the app at, for survey links made on the command line.
    public_url: str = "http://127.0.0.1:8000"
    # How long a survey link stays valid.
    survey_link_hours: int = 72
    # Outgoing e-mail for alerts.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "kontrol@localhost"
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout: float = 20.0
    # Telegram bot for alerts; the API address is configurable (tests use a loopback server).
    telegram_bot_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    # Timeout of outgoing webhook and Telegram calls, seconds.
    notify_timeout: float = 10.0
    # Alerts on imported data only for interactions (or answers) this recent, so that
    # importing last year's history does not page anyone.
    alert_lookback_days: int = 7
    # Call recordings (WAV) the checks may read for calm_tone's loudness, and the files
    # the reviewer workspace plays: only files in this directory (relative to the
    # working directory unless absolute).
    recordings_dir: str = "recordings"
    # Report files, generated and uploaded (docs/reports.md), relative to the working
    # directory unless absolute; uploads larger than reports_max_upload_mb are refused.
    reports_dir: str = "report-files"
    reports_max_upload_mb: int = 20


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (read once)."""
    return Settings()


def current_settings() -> Settings:
    """The settings as the environment says now, read again only when it changed.

    Building ``Settings()`` costs about 3 ms; code on a request's path (the
    ingest API publishes events for every request) calls this instead.
    """
    return _settings_for(
        tuple(sorted((k, v) for k, v in os.environ.items() if k[:8] == "KONTROL_"))
    )


@lru_cache(maxsize=8)
def _settings_for(_environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings()
