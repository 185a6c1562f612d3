"""Settings, read once from the environment. Every one has a default that works on a laptop."""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import time
from pathlib import Path

from service.proxies import parse_networks

INSTANCE_DIR = Path.cwd() / "instance"
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev", "development"}


class SettingsError(RuntimeError):
    """The configuration cannot run: the message says what to set."""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def guessable(secret: str) -> bool:
    """Too short, a placeholder, or made of patterns (32 × "a", a keyboard run, words and a
    year): a key that signs every parent's links must take about 2^100 guesses at least."""
    if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
        return True
    from zxcvbn import zxcvbn  # 12 MB of word lists: loaded where a secret is checked

    return bool(zxcvbn(secret[:100])["guesses_log10"] < 30)


def _dev_secret(instance_dir: Path, name: str) -> str:
    """Generate a development secret once and keep it, so it survives a restart."""
    path = instance_dir / name
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'yorisou.db'}"
    secret_key: str = ""
    suppression_key: str = ""  # keys the address hashes; never changed once in use
    public_base_url: str = "http://127.0.0.1:5000"
    timezone: str = "Asia/Tokyo"
    email_backend: str = "outbox"
    sendgrid_api_key: str = ""
    sendgrid_api_host: str = "https://api.sendgrid.com"
    sendgrid_webhook_public_key: str = ""
    mail_from: str = ""
    outbox_dir: Path = field(default=INSTANCE_DIR / "outbox")
    firebase_credentials: str = ""
    firebase_web_config: str = ""
    fcm_api_host: str = "https://fcm.googleapis.com"
    line_channel_secret: str = ""
    line_channel_access_token: str = ""
    line_account_id: str = ""  # the official account's ID, "@" and all: "@123abcde"
    line_api_host: str = "https://api.line.me"
    ratelimit_enabled: bool = True
    ratelimit_storage_uri: str = "memory://"
    trusted_proxies: str = ""  # the reverse proxies whose X-Forwarded-For is believed
    quiet_hours: str = "21:00-08:00"
    digest_at: str = "monday 08:00"  # when the weekly digest goes out, local time
    desk_list_at: str = "08:30"  # when each desk gets its list of new and overdue requests
    retention_days: int = 30  # an unsubscribed parent's address is erased after this
    # A consultation request's contact detail, message and notes are erased this long after
    # it ends (closed or withdrawn).
    request_retention_days: int = 90
    card_retention_days: int = 365  # a family's card is erased this long after its last activity
    quick_exit_url: str = "https://www.google.com/search?q=%E5%A4%A9%E6%B0%97"  # 天気
    confirm_token_max_age: int = 7 * 24 * 3600
    max_attempts: int = 8
    retry_base_seconds: float = 30  # the first retry's wait; each later one waits twice as long
    provider_timeout_seconds: float = 30  # one call to SendGrid or FCM
    claim_lease_seconds: int = 300  # a claim older than this belonged to a worker that died
    # Within SendGrid's and FCM's published quotas; shared by every worker process.
    send_rate_email: str = "10000/second;600000/minute"
    send_rate_webpush: str = "5000/second;300000/minute"
    send_rate_line: str = "100000/second"  # multicast: 200 calls a second, 500 people each
    # Rehearsal: when set, only these addresses (or @domains) are sent to; the rest are logged.
    delivery_allowlist: tuple[str, ...] = ()
    require_admin_2fa: bool = False  # admins must sign in with a one-time code as well
    book_link_days: int = 60  # a registered parent's booking link in a notice or LINE
    ask_link_days: int = 1  # a registered parent's "ask a desk" link
    inbound_parse_secret: str = ""  # the secret part of SendGrid Inbound Parse's URL
    metrics_token: str = ""  # /metrics answers only with it (and, in production, not without)
    encryption_key: str = ""  # encrypts the secrets of cities' own LINE accounts (encryption.py)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @classmethod
    def from_env(cls, env: os._Environ[str] | dict[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        get = env.get
        app_env = get("APP_ENV", "development")
        if app_env not in {"development", "production"}:
            raise SettingsError(f"APP_ENV must be development or production, not {app_env!r}")
        sendgrid_key = get("SENDGRID_API_KEY", "")
        settings = cls(
            app_env=app_env,
            database_url=get("DATABASE_URL", cls.database_url),
            secret_key=get("SECRET_KEY", ""),
            suppression_key=get("SUPPRESSION_KEY", ""),
            public_base_url=get("PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            timezone=get("TIMEZONE", cls.timezone),
            email_backend=get("EMAIL_BACKEND", "sendgrid" if sendgrid_key else "outbox"),
            sendgrid_api_key=sendgrid_key,
            sendgrid_api_host=get("SENDGRID_API_HOST", cls.sendgrid_api_host),
            sendgrid_webhook_public_key=get("SENDGRID_WEBHOOK_PUBLIC_KEY", ""),
            mail_from=get("MAIL_FROM", ""),
            outbox_dir=Path(get("OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))),
            firebase_credentials=get("FIREBASE_CREDENTIALS", ""),
            firebase_web_config=get("FIREBASE_WEB_CONFIG", ""),
            fcm_api_host=get("FCM_API_HOST", cls.fcm_api_host),
            line_channel_secret=get("LINE_CHANNEL_SECRET", ""),
            line_channel_access_token=get("LINE_CHANNEL_ACCESS_TOKEN", ""),
            line_account_id=get("LINE_ACCOUNT_ID", "").strip(),
            line_api_host=get("LINE_API_HOST", cls.line_api_host).rstrip("/"),
            ratelimit_enabled=_flag(get("RATELIMIT_ENABLED", "true")),
            ratelimit_storage_uri=get("RATELIMIT_STORAGE_URI", "memory://"),
            trusted_proxies=get("TRUSTED_PROXIES", ""),
            quiet_hours=get("QUIET_HOURS", cls.quiet_hours),
            digest_at=get("DIGEST_AT", cls.digest_at),
            desk_list_at=get("DESK_LIST_AT", cls.desk_list_at),
            retention_days=int(get("RETENTION_DAYS", str(cls.retention_days))),
            card_retention_days=int(get("CARD_RETENTION_DAYS", str(cls.card_retention_days))),
            request_retention_days=int(
                get("REQUEST_RETENTION_DAYS", str(cls.request_retention_days))
            ),
            quick_exit_url=get("QUICK_EXIT_URL", cls.quick_exit_url),
            max_attempts=int(get("MAX_ATTEMPTS", str(cls.max_attempts))),
            retry_base_seconds=float(get("RETRY_BASE_SECONDS", str(cls.retry_base_seconds))),
            provider_timeout_seconds=float(
                get("PROVIDER_TIMEOUT_SECONDS", str(cls.provider_timeout_seconds))
            ),
            claim_lease_seconds=int(get("CLAIM_LEASE_SECONDS", str(cls.claim_lease_seconds))),
            send_rate_email=get("SEND_RATE_EMAIL", cls.send_rate_email),
            send_rate_webpush=get("SEND_RATE_WEBPUSH", cls.send_rate_webpush),
            send_rate_line=get("SEND_RATE_LINE", cls.send_rate_line),
            require_admin_2fa=_flag(get("REQUIRE_ADMIN_2FA", "false")),
            book_link_days=int(get("BOOK_LINK_DAYS", str(cls.book_link_days))),
            ask_link_days=int(get("ASK_LINK_DAYS", str(cls.ask_link_days))),
            inbound_parse_secret=get("INBOUND_PARSE_SECRET", "").strip(),
            metrics_token=get("METRICS_TOKEN", "").strip(),
            encryption_key=get("ENCRYPTION_KEY", "").strip(),
            delivery_allowlist=tuple(
                item.strip().lower()
                for item in get("DELIVERY_ALLOWLIST", "").split(",")
                if item.strip()
            ),
        )
        return settings.checked()

    @property
    def firebase_web(self) -> dict[str, str] | None:
        """The public Firebase web config (with "vapidKey"), or None when push is off: it is
        on only with both the web config (to get a token) and the credentials (to send)."""
        if not (self.firebase_web_config and self.firebase_credentials):
            return None
        return json.loads(self.firebase_web_config)

    def two_factor_missing(self, role: str, has_two_factor: bool) -> bool:
        """An admin without two-step sign-in, where REQUIRE_ADMIN_2FA asks for it: neither the
        console (but for setting it up) nor the API is theirs until they set it up."""
        return self.require_admin_2fa and role == "admin" and not has_two_factor

    @property
    def line_enabled(self) -> bool:
        """LINE is offered only when all three settings are there."""
        return bool(
            self.line_channel_secret and self.line_channel_access_token and self.line_account_id
        )

    def checked(self) -> Settings:
        """Refuse what cannot run; in development, fill in a generated secret key."""
        if self.firebase_web_config:
            try:
                web = json.loads(self.firebase_web_config)
            except ValueError as error:
                raise SettingsError("FIREBASE_WEB_CONFIG must be JSON") from error
            missing = {"apiKey", "projectId", "messagingSenderId", "appId", "vapidKey"} - set(web)
            if missing:
                raise SettingsError(f"FIREBASE_WEB_CONFIG lacks {', '.join(sorted(missing))}")
        line = (self.line_channel_secret, self.line_channel_access_token, self.line_account_id)
        if any(line) and not all(line):
            raise SettingsError(
                "LINE needs LINE_CHANNEL_SECRET, LINE_CHANNEL_ACCESS_TOKEN and LINE_ACCOUNT_ID"
            )
        if self.line_account_id and not re.fullmatch(r"@[0-9a-z._-]+", self.line_account_id):
            raise SettingsError("LINE_ACCOUNT_ID is the account's ID with its @, like @123abcde")
        if self.firebase_credentials and not self.public_base_url.startswith("https://"):
            raise SettingsError(
                "web push (FIREBASE_CREDENTIALS) needs an https PUBLIC_BASE_URL: FCM refuses "
                "every notification whose link is not https"
            )
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as error:
            raise SettingsError(
                "TRUSTED_PROXIES: addresses or networks separated by commas, like "
                "10.0.0.0/8,192.0.2.7"
            ) from error
        if self.email_backend not in {"outbox", "sendgrid"}:
            raise SettingsError("EMAIL_BACKEND must be outbox or sendgrid")
        try:
            time.fromisoformat(self.desk_list_at)
        except ValueError as error:
            raise SettingsError("DESK_LIST_AT is a time of day, like 08:30") from error
        if self.email_backend == "sendgrid" and not self.sendgrid_api_key:
            raise SettingsError("EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY")
        if self.production:
            if guessable(self.secret_key):
                raise SettingsError(
                    "production needs SECRET_KEY: at least 32 random characters, e.g. from "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
                )
            if guessable(self.suppression_key) or self.suppression_key == self.secret_key:
                raise SettingsError(
                    "production needs SUPPRESSION_KEY: 32 random characters, not SECRET_KEY's; "
                    "set it once and never change it (it keys the suppression list)"
                )
            if not self.public_base_url.startswith("https://"):
                raise SettingsError(
                    "production needs PUBLIC_BASE_URL, the https address parents reach"
                )
            keys = [key.strip() for key in self.encryption_key.split(",") if key.strip()]
            if any(guessable(key) for key in keys):
                raise SettingsError(
                    "ENCRYPTION_KEY: 32 random characters or more (several, comma-separated, "
                    "while rotating it)"
                )
            if {self.secret_key, self.suppression_key} & set(keys):
                raise SettingsError(
                    "ENCRYPTION_KEY must be a key of its own, not SECRET_KEY or SUPPRESSION_KEY: "
                    "a key that signs links must not also open the secrets it keeps"
                )
            return self
        return replace(
            self,
            secret_key=self.secret_key or _dev_secret(INSTANCE_DIR, "secret_key"),
            suppression_key=self.suppression_key or _dev_secret(INSTANCE_DIR, "suppression_key"),
            encryption_key=self.encryption_key or _dev_secret(INSTANCE_DIR, "encryption_key"),
        )
