"""Process-wide settings, read from the environment (prefix ``KONTROL_``)."""

import os
from functools import lru_cache
from typing import Literal

from pydantic import SecretStr
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
    # -- logins (docs/security.md) --
    # A session ends after this long without a request, and after session_max_hours anyway.
    session_idle_minutes: int = 720
    session_max_hours: int = 168
    # The session cookie's Secure flag: "auto" sets it when the request came over
    # HTTPS (behind a proxy: run uvicorn with --proxy-headers), "always" or "never".
    cookie_secure: Literal["auto", "always", "never"] = "auto"
    # Wrong passwords allowed per account and per address in login_window_minutes,
    # after which logins are refused until the window ends.
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    login_window_minutes: int = 15
    # Password checks (argon2) running at once in one process; more wait their turn,
    # so a burst of logins cannot take every core from the other requests.
    password_checks_at_once: int = 2
    # How long /readyz waits for the database and for Redis before it answers 503 (docs/deploy.md).
    readiness_timeout_seconds: float = 2.0
    # Job queue (docs/jobs.md): Redis and `kontrol worker` processes when set, else in-process.
    redis_url: str | None = None
    redis_namespace: str = "kontrol"
    job_backoff_seconds: float = 10.0
    job_backoff_max_seconds: float = 3600.0
    # A claim on a running run; its runner renews it every third of this while
    # the work goes on, so the run of a killed worker is sent again soon after.
    job_lease_seconds: float = 60.0
    # A run waiting this long past its due time is sent again (its message may be lost).
    job_requeue_seconds: float = 1800.0
    # How long a drainer of the ingest API's effects backlog holds the rows it took.
    effects_lease_seconds: float = 120.0
    # How often each `kontrol worker` sends again the runs whose Redis message may be lost.
    job_sweep_seconds: float = 30.0
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
    # Mask personal data (phones, cards, passports, СНИЛС, ИНН, e-mails, names,
    # addresses) in message texts and survey comments when they are stored
    # (docs/privacy.md).
    redact_personal_data: bool = False
    # Speech recognition (docs/speech.md): the recogniser's id ("" = off), its
    # server or model, and how many minutes of audio a workspace may send a day.
    speech_recogniser: str = ""
    speech_url: str = ""
    speech_api_key: str = ""
    speech_model: str = "whisper-1"
    speech_model_path: str = ""
    speech_language: str = ""
    speech_daily_minutes: float = 600.0
    speech_timeout: float = 600.0
    # Hosts (comma-separated, host or host:port) whose recording URLs Kontrol fetches.
    speech_fetch_hosts: str = ""
    # -- uploaded files (docs/audits.md, "Where files are kept") --
    # "local": audit evidence, mystery-shopping files and report files are kept in the
    # folders below; "s3": in the bucket of an S3-compatible store (AWS, MinIO, Ceph,
    # Yandex Object Storage...), under s3_prefix. The secret key is never logged.
    file_store: Literal["local", "s3"] = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = ""
    s3_access_key_id: str = ""
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_prefix: str = "kontrol"
    # Path-style addresses (endpoint/bucket/key), which MinIO and most self-hosted stores need.
    s3_path_style: bool = True
    # Uploaded files (mystery-shopping recordings and screenshots) are kept under this
    # folder (relative to the working directory unless absolute), never in the database.
    data_dir: str = "data"
    # The largest file a mystery shopper may upload, in megabytes.
    mystery_upload_max_mb: int = 20
    # The largest file the web import page accepts, in megabytes (kept under
    # data_dir/imports until imported; the command line has no limit).
    import_upload_max_mb: int = 200
    # -- audits (docs/audits.md) --
    # Uploaded audit evidence (photos, PDFs, recordings) is kept in this folder
    # (relative to the working directory unless absolute), never in the database.
    evidence_dir: str = "evidence"
    # The largest evidence file accepted, in bytes.
    evidence_max_bytes: int = 10 * 1024 * 1024
    # A TrueType font with Cyrillic for PDF reports (Debian's fonts-dejavu-core by default).
    pdf_font: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    pdf_font_bold: str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
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
