"""Settings from KEFU_* environment variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    database_url: str = "sqlite:///kefu.db"
    redis_url: str | None = None
    # Request bodies above this size are refused with 413 before they are parsed.
    max_body_bytes: int = 1_000_000
    # Signed customer (widget) tokens older than this are refused even if `exp` says otherwise.
    widget_token_max_age_s: int = 7 * 24 * 3600
    default_timezone: str = "Asia/Shanghai"
    default_locale: str = "zh-CN"
    # Dispatch the outbox in-process (after each commit and at start).
    # A `kefu worker` may take over.
    dispatch_in_process: bool = True
    # Sweep timers and pending events in a thread of `kefu serve` (off when `kefu worker`s run).
    worker_in_process: bool = True
    sql_echo: bool = False


def get_settings() -> Settings:
    """Read the environment now (not cached: the CLI may run several times in one process)."""
    return Settings()
