"""Configuration from the environment, in one place (CONTRACT.md lists the variables)."""
import logging
import os
import secrets
from pathlib import Path

from dotenv import load_dotenv

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
INSTANCE = ROOT / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(env: str) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if env == "production":
        raise RuntimeError("SECRET_KEY must be set when HUZHU_ENV=production")
    if env == "testing":
        return "testing-secret-key"
    # Development and the demo keep a generated key under instance/ so sessions survive restarts.
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _public_base_url(value: str | None, env: str) -> str:
    """The site's public address without a trailing slash; a production site must say it."""
    value = (value or "").strip().rstrip("/")
    if value:
        if not value.startswith(("http://", "https://")):
            raise RuntimeError("PUBLIC_BASE_URL must start with http:// or https://")
        return value
    if env == "production":
        raise RuntimeError("PUBLIC_BASE_URL must be set when HUZHU_ENV=production (links in e-mail use it)")
    return "http://127.0.0.1:5000"


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (and `.env` when present)."""
    load_dotenv(ROOT / ".env", override=False)
    env = os.environ.get("HUZHU_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'huzhu.db'}"
    if database_url.startswith("sqlite:///instance/"):
        database_url = f"sqlite:///{INSTANCE / database_url.removeprefix('sqlite:///instance/')}"
    cfg = {
        "HUZHU_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Migrations run as the owner of the tables; the app connects as a role that owns none.
        "DATABASE_OWNER_URL": os.environ.get("DATABASE_OWNER_URL") or None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT") or 25),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("SMTP_FROM") or "huzhu@localhost",
        "SMTP_STARTTLS": _bool(os.environ.get("SMTP_STARTTLS")),
        # Sessions: server-side records make logout final; idle sessions end on their own.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES") or 30),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # SESSION_COOKIE_SECURE follows HUZHU_ENV as it stands after the overrides (below).
        "SESSION_COOKIE_NAME": "huzhu_session",
        "REMEMBER_COOKIE_DURATION": 0,
        "API_TOKEN_DAYS": int(os.environ.get("API_TOKEN_DAYS") or 90),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH") or 5 * 1024 * 1024),
        "LOGIN_RATE_LIMIT_IP": os.environ.get("LOGIN_RATE_LIMIT_IP") or "20 per minute",
        "LOGIN_RATE_LIMIT_ACCOUNT": os.environ.get("LOGIN_RATE_LIMIT_ACCOUNT") or "5 per minute",
        # Units' applications to join (the public form and its API): every attempt per address, the applications
        # sent per mobile number.
        "APPLY_RATE_LIMIT_IP": os.environ.get("APPLY_RATE_LIMIT_IP") or "10 per hour",
        "APPLY_RATE_LIMIT_PHONE": os.environ.get("APPLY_RATE_LIMIT_PHONE") or "3 per day",
        "WTF_CSRF_CHECK_DEFAULT": False,  # checked in one before_request, which knows about bearer tokens
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "app" / "translations"),
        "LANGUAGES": ["zh_CN", "en"],
        "API_TITLE": "Huzhu API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": None,
        "SMS_PROVIDER": os.environ.get("SMS_PROVIDER") or "log",
        "SMTP_TIMEOUT": int(os.environ.get("SMTP_TIMEOUT") or 10),
        # Where people reach the site: links in e-mail and SMS (jobs have no request to take a host from).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        # The last resort for a delivery left `sending`: a claim this old is taken back whoever holds it.
        "DELIVERY_STALE_SECONDS": int(os.environ.get("DELIVERY_STALE_SECONDS") or 300),
        # A worker whose heartbeat is older than this is dead: what it held is taken back at once.
        "WORKER_ALIVE_SECONDS": int(os.environ.get("WORKER_ALIVE_SECONDS") or 15),
        # An outbox event still pending this long after its commit missed its hand-over (Redis was down).
        "OUTBOX_HANDOVER_SECONDS": int(os.environ.get("OUTBOX_HANDOVER_SECONDS") or 30),
        # A Redis hiccup must not turn log-ins into errors: limits fall back to memory meanwhile.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Photos people upload (app/photos): where the files live, and the limits per file and per record.
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(INSTANCE / "uploads"),
        "UPLOAD_MAX_BYTES": int(os.environ.get("UPLOAD_MAX_BYTES") or 8 * 1024 * 1024),
        "UPLOAD_MAX_FILES": int(os.environ.get("UPLOAD_MAX_FILES") or 10),
        "UPLOAD_MAX_PIXELS": int(os.environ.get("UPLOAD_MAX_PIXELS") or 40_000_000),
        "PAGE_SIZE": 50,
        "PAGE_SIZE_MAX": 200,
    }
    if overrides:
        cfg.update(overrides)
    env = cfg["HUZHU_ENV"]
    cfg["TESTING"] = env == "testing"
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        cfg["SESSION_COOKIE_SECURE"] = env == "production"
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _secret_key(env)
    cfg["PUBLIC_BASE_URL"] = _public_base_url(cfg.get("PUBLIC_BASE_URL"), env)
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite has no pool worth pinging; a busy timeout lets concurrent writers wait their turn.
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    return cfg
