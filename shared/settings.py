"""Every tunable of Steam-Connect, read once from the environment (or a `.env` file).

One class so that the compose file, the README's configuration table and the code cannot drift:
a test checks that every variable the compose file sets is a field here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Process configuration, handed down by composition roots; code never reads os.environ."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    # --- infrastructure -------------------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_cluster_nodes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """`host:port,...` of Redis Cluster nodes (any few; the rest are discovered). Set, every
    service and the CLI use the cluster instead of REDIS_URL, and stream keys carry hash tags
    so each partition's keys share a slot (docs/scaling.md)."""
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/steam_connect"
    stream_prefix: str = "sc"
    redis_wait_replicas: int = Field(default=0, ge=0)
    """Ingest answers 2xx only once this many Redis replicas have the comments (WAIT), so a
    failover loses nothing acknowledged; 0 answers once the primary has them."""
    redis_wait_timeout_ms: int = Field(default=500, ge=1)
    """How long ingest waits for those replicas before answering 503 (the sender retries)."""
    stream_maxlen: int = Field(default=1_000_000, ge=1_000)
    """Per stream partition."""
    stream_shards: int = Field(default=1, ge=1, le=256)
    """Partitions per event stream. Each is consumed by one process of a service at a time
    (its PostgreSQL advisory lock), so an exchange's events stay in order however many
    replicas run; replicas beyond the partition count wait as stand-bys. Every process of an
    installation must use the same value (docs/scaling.md)."""
    ownership_interval_s: float = Field(default=1.0, gt=0)
    """How often a consumer process renews its membership and rebalances its partitions."""
    member_ttl_s: float = Field(default=10.0, gt=0)
    """A process silent this long no longer counts when partitions are shared out."""

    privacy_purge_interval_s: float = Field(default=3600.0, ge=0)
    """How often each service anonymises what is past its account's `retention_days` (and trims
    its streams to it); 0 turns the background purge off (`steam-connect privacy purge`)."""

    # --- consumers ------------------------------------------------------------------------------
    consumer_batch_size: int = Field(default=500, ge=1, le=5_000)
    """Per-batch costs (a transaction, a few reads, one publish) dominate below a few hundred:
    500 handled ~15 % more per second than 200 in make bench, at the same latency."""
    consumer_block_ms: int = Field(default=100, ge=1)
    reclaim_idle_ms: int = Field(default=30_000, ge=100)
    reclaim_interval_s: float = Field(default=5.0, gt=0)
    max_delivery_attempts: int = Field(default=5, ge=1)

    # --- HTTP ports -----------------------------------------------------------------------------
    http_host: str = "127.0.0.1"
    ingest_port: int = 8001
    triage_port: int = 8002
    responder_port: int = 8003
    reporting_port: int = 8004
    http_max_body_bytes: int = Field(default=1 << 20, ge=1_024)
    """Cap on a request body wherever no endpoint-specific cap applies (413 above it)."""
    api_rate_limit: str = "50/second;1500/minute"
    """Per key (or inbox session, or client address) on reporting's and responder's `/v1` API,
    in the `limits` notation; empty turns it off. 429 with Retry-After above it."""

    # --- ingest ---------------------------------------------------------------------------------
    ingest_api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    ingest_max_batch: int = Field(default=1_000, ge=1)
    ingest_max_body_bytes: int = Field(default=8 << 20, ge=1_024)
    """Cap on a `POST /v1/comments` body: 1,000 comments of ~8 KB; replay halves a batch
    refused for its size."""
    webhook_max_body_bytes: int = Field(default=4 << 20, ge=1_024)
    """Cap on a platform's webhook delivery (Meta batches up to 1,000 small changes)."""
    ingest_rate_limit: str = "1000/second"
    """Per ingest key on `POST /v1/comments`; webhooks are not limited (platforms retry a 429
    as a failure and may disable the subscription)."""
    dedupe_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    thread_ttl_s: int = Field(default=90 * 24 * 3600, ge=60)
    """How long ingest remembers which thread a comment is in, for replies to it."""
    accounts_file: Path = PACKAGE_ROOT / "config" / "accounts.yaml"
    accept_unknown_accounts: bool = False

    # --- platform connectors --------------------------------------------------------------------
    facebook_app_secret: SecretStr | None = None
    facebook_verify_token: SecretStr | None = None
    instagram_app_secret: SecretStr | None = None
    """Only when Instagram webhooks come from a separate Meta app; else FACEBOOK_APP_SECRET."""
    x_consumer_secret: SecretStr | None = None
    youtube_api_key: SecretStr | None = None
    youtube_oauth_token: SecretStr | None = None
    youtube_api_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_poll_interval_s: float = Field(default=60.0, gt=0)
    youtube_max_pages: int = Field(default=5, ge=1)
    youtube_daily_quota: int = Field(default=5_000, ge=1)
    """Units the poller may spend per Pacific day; the rest is left to the responder."""
    youtube_quota_backoff_s: float = Field(default=3_600.0, gt=0)

    # --- triage ---------------------------------------------------------------------------------
    policy_file: Path = PACKAGE_ROOT / "services" / "triage" / "policy" / "policy.yaml"
    classifier_encoder: Literal["cascade", "always", "off"] = "cascade"
    """When triage runs the sentence encoder: for comments the n-gram heads are unsure of
    (cascade), for every comment, or never (n-grams alone: fastest, least accurate)."""

    # --- SLA timers -----------------------------------------------------------------------------
    sla_tick_s: float = Field(default=1.0, gt=0)
    """How often triage's timer loop looks for due timers in the Redis index."""
    sla_fire_batch: int = Field(default=500, ge=1)
    sla_resync_s: float = Field(default=60.0, gt=0)
    """How often pending rows are re-indexed in Redis and unconfirmed events republished."""
    sla_event_marker_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    """How long a published timer event's id is remembered, so a republish never duplicates it."""

    # --- responder ------------------------------------------------------------------------------
    console_record_path: Path = Path("var/console-actions.ndjson")
    brand_name: str = "Steam-Connect"
    responder_api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Bearer keys for the draft approval API (`/v1/drafts`); none configured means no access."""

    # --- platform APIs (responder) --------------------------------------------------------------
    facebook_graph_url: str = "https://graph.facebook.com/v21.0"
    instagram_graph_url: str = "https://graph.facebook.com/v21.0"
    x_api_url: str = "https://api.x.com"
    platform_tokens: dict[str, SecretStr] = Field(default_factory=dict)
    """Per-account tokens as JSON `{"facebook:1001": "..."}`; the accounts file's token wins."""
    platform_timeout_s: float = Field(default=10.0, gt=0)
    platform_concurrency: int = Field(default=8, ge=1)
    responder_batch_size: int = Field(default=200, ge=1, le=5_000)
    """Decisions per responder batch: the batch's platform calls must finish well inside
    RECLAIM_IDLE_MS (200 decisions ≈ 240 calls, 8 at a time)."""
    action_max_attempts: int = Field(default=6, ge=1)
    action_retry_base_s: float = Field(default=5.0, gt=0)
    action_retry_cap_s: float = Field(default=900.0, gt=0)
    action_lease_s: float = Field(default=120.0, gt=0)
    """How long a call may be in flight before its outcome counts as unknown and is checked.

    Longer than PLATFORM_TIMEOUT_S (checked): a shorter lease would let another responder take
    over a call that is still running and post a second time.
    """
    action_retry_interval_s: float = Field(default=2.0, gt=0)
    breaker_failures: int = Field(default=5, ge=1)
    breaker_reset_s: float = Field(default=60.0, gt=0)

    # --- reporting ------------------------------------------------------------------------------
    reporting_api_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    """Machines' keys, each `role:label:secret` (role agent|supervisor|admin); a bare secret is
    an admin key, as before roles existed."""
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_throttle_window_s: int = Field(default=900, ge=1)
    """Failed inbox sign-ins allowed per account / per client address within the window."""
    inbox_session_secret: SecretStr | None = None
    """Signs the inbox's session cookies; unset means a random one per process (logins end on
    restart, and several reporting processes need the same value)."""

    public_url: str | None = None
    """The address agents open the inbox at (e.g. https://support.example.com); notifications
    link to the exchange under it. Unset: notifications carry no link."""

    # --- reporting notifications ----------------------------------------------------------------
    notify_interval_s: float = Field(default=1.0, gt=0)
    """How often reporting looks for webhook deliveries that are due."""
    notify_batch: int = Field(default=100, ge=1, le=1_000)
    notify_timeout_s: float = Field(default=5.0, gt=0)
    notify_max_attempts: int = Field(default=8, ge=1)
    """Attempts before a delivery is dead-lettered (a 4xx other than 408/409/425/429 at once)."""
    notify_retry_base_s: float = Field(default=5.0, gt=0)
    notify_retry_cap_s: float = Field(default=1_800.0, gt=0)
    """Backoff between attempts: base doubling per attempt, capped, with jitter."""
    weekly_report_check_s: float = Field(default=300.0, gt=0)
    """How often reporting looks for scheduled weekly reports that are due (accounts'
    `weekly_report`)."""

    # --- reporting risk -------------------------------------------------------------------------
    risk_alert_threshold: float = Field(default=50.0, gt=0, le=100)
    """Risk score (0-100) at which an exchange raises an EscalationAlert."""
    risk_alert_rearm: float = Field(default=35.0, ge=0, le=100)
    """Score below which an alerted exchange may alert again (hysteresis)."""
    risk_window_minutes: int = Field(default=120, ge=5)
    """How far back message velocity, authors and storms are counted."""
    stream_stats_interval_s: float = Field(default=5.0, gt=0)
    """How often reporting refreshes stream lag, pending and dead-letter gauges."""

    # --- logging --------------------------------------------------------------------------------
    log_level: str = "INFO"
    log_json: bool = True

    @model_validator(mode="after")
    def _lease_outlasts_a_call(self) -> Settings:
        if self.action_lease_s <= self.platform_timeout_s:
            raise ValueError(
                f"ACTION_LEASE_S ({self.action_lease_s}) must exceed PLATFORM_TIMEOUT_S "
                f"({self.platform_timeout_s}): a call still running when its lease ends could be "
                "taken over by another responder and posted twice"
            )
        return self

    @field_validator("api_rate_limit", "ingest_rate_limit")
    @classmethod
    def _rates_parse(cls, value: str, info: ValidationInfo) -> str:
        from shared.rate_limit import parse_rates  # here: that module brings FastAPI along

        parse_rates(value, (info.field_name or "rate limit").upper())
        return value

    @field_validator("redis_cluster_nodes", mode="before")
    @classmethod
    def _parse_nodes(cls, value: object) -> object:
        nodes = _split_csv(value)
        for node in nodes if isinstance(nodes, list) else []:
            host, _, port = str(node).rpartition(":")
            if not host or not port.isdigit():
                raise ValueError(f"REDIS_CLUSTER_NODES entry {node!r} is not host:port")
        return nodes

    @property
    def redis_cluster(self) -> bool:
        return bool(self.redis_cluster_nodes)

    @field_validator("ingest_api_keys", "reporting_api_keys", "responder_api_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: object) -> object:
        """Keys come as one comma-separated variable, the way operators set secrets."""
        return _split_csv(value)
