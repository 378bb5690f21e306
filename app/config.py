"""Settings from the environment, with safe defaults for a laptop."""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """The environment does not allow the application to start safely."""


def database_url(env=os.environ):
    """The SQLAlchemy URL: DATABASE_URL, else SQLite in instance/."""
    url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'moratorium.db'}"
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def public_url(env, app_env):
    """The site's public address, where its root is served: every link in a mail starts with it.

    Never taken from a request's Host header, which anyone sending a request chooses.
    """
    url = env.get("PUBLIC_URL") or {"development": "http://127.0.0.1:5000", "testing": "http://localhost"}.get(app_env)
    if not url:
        raise ConfigError("PUBLIC_URL is not set: production refuses to start without the site's public address")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"PUBLIC_URL must be an http(s) address such as https://moratorium.example, not {url!r}")
    return url.rstrip("/")


def development_secret_key():
    """A key generated once per checkout and kept in instance/, so sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def shipped_languages(directory=ROOT / "translations"):
    """URL tag -> Babel identifier: English (the source) and every catalog in translations/.

    zh_Hant ships as /zh-hant/, pt as /pt/: adding a catalog adds the language to the site.
    """
    identifiers = sorted(path.parts[-3] for path in directory.glob("*/LC_MESSAGES/messages.po"))
    return {"en": "en", **{identifier.lower().replace("_", "-"): identifier for identifier in identifiers}}


def mail_settings(env):
    """Flask-Mail's MAIL_* names, taken as they are from the environment."""
    return {
        "MAIL_SERVER": env.get("MAIL_SERVER"),
        "MAIL_PORT": int(env.get("MAIL_PORT", 25)),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "").lower() in {"1", "true", "yes"},
        "MAIL_USE_SSL": env.get("MAIL_USE_SSL", "").lower() in {"1", "true", "yes"},
        "MAIL_USERNAME": env.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Moratorium <noreply@localhost>"),
        # Never smtplib's debug output (Flask-Mail turns it on in debug mode): it prints every recipient.
        "MAIL_DEBUG": False,
    }


def positive(env, name, default):
    """A whole number above zero from the environment, or a ConfigError naming the setting."""
    try:
        value = int(env.get(name, default))
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a whole number above zero, not {env.get(name)!r}")
    return value


def networks(env, name, default):
    """Comma-separated addresses or networks (127.0.0.1, 10.0.0.0/8, ::1), or a ConfigError naming the setting."""
    try:
        return [ipaddress.ip_network(item.strip(), strict=False) for item in env.get(name, default).split(",")]
    except ValueError as error:
        raise ConfigError(f"{name} must list IP addresses or networks, comma-separated: {error}") from None


def load(env=os.environ):
    """The configuration for APP_ENV (production unless told otherwise)."""
    app_env = env.get("APP_ENV", "production")
    if app_env not in {"production", "development", "testing"}:
        raise ConfigError(f"APP_ENV must be production, development or testing, not {app_env!r}")
    secret = env.get("SECRET_KEY")
    if not secret:
        if app_env == "production":
            raise ConfigError("SECRET_KEY is not set: production refuses to start without one")
        secret = development_secret_key()
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env),
        "PUBLIC_URL": public_url(env, app_env),
        # hide_parameters: a failed statement's error (logged) never carries the values, e.g. a signer's address.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        "TESTING": app_env == "testing",
        "SESSION_COOKIE_SECURE": app_env == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 64 * 1024,  # no form of the site needs more
        # How many proxies in front set X-Forwarded-For (and -Proto); 0 trusts none.
        "PROXY_COUNT": int(env.get("PROXY_COUNT", 0)),
        # Redirect plain HTTP to HTTPS (set it where the site, or its proxy, speaks HTTPS).
        "FORCE_HTTPS": env.get("FORCE_HTTPS", "").lower() in {"1", "true", "yes"},
        # Host names the site answers to (comma-separated); others get a 400. Set it in production.
        "TRUSTED_HOSTS": [h.strip() for h in env["TRUSTED_HOSTS"].split(",")] if env.get("TRUSTED_HOSTS") else None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "LANGUAGES": shipped_languages(),
        "DEFAULT_LANGUAGE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "DATA_DIR": str(ROOT / "data"),
        # Rendered public pages; SimpleCache is per process, RedisCache is shared.
        "CACHE_TYPE": env.get("CACHE_TYPE", "SimpleCache"),
        "CACHE_REDIS_URL": env.get("CACHE_REDIS_URL"),
        "CACHE_DEFAULT_TIMEOUT": int(env.get("CACHE_DEFAULT_TIMEOUT", 3600)),
        # How stale, in seconds, another process's data change may look on cached pages.
        "PAGE_REVISION_TTL": float(env.get("PAGE_REVISION_TTL", 1)),
        # Flask-Limiter: in memory unless RATELIMIT_STORAGE_URI names e.g. redis://127.0.0.1:6379.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "true").lower() not in {"0", "false", "no"},
        "SIGN_RATE_LIMIT": env.get("SIGN_RATE_LIMIT", "10 per minute;100 per day"),
        # Deliver mail inside the request (make run); production runs `flask outbox work --loop`.
        "OUTBOX_INLINE": env.get("OUTBOX_INLINE", str(app_env == "development")).lower() in {"1", "true", "yes"},
        # Letters to legislators: what exceeds a cap waits for the next hour or day, none is dropped.
        "LETTER_CAP_LEGISLATOR_HOUR": int(env.get("LETTER_CAP_LEGISLATOR_HOUR", 20)),
        "LETTER_CAP_LEGISLATOR_DAY": int(env.get("LETTER_CAP_LEGISLATOR_DAY", 200)),
        "LETTER_CAP_VISITOR_DAY": int(env.get("LETTER_CAP_VISITOR_DAY", 50)),
        # Updates mailed to supporters: at most this many of one update's mails become due a minute.
        "UPDATE_SEND_RATE": positive(env, "UPDATE_SEND_RATE", 600),
        # Counts of people by region or country below this are shown as "fewer than N" (app/disclosure.py).
        "MIN_PUBLIC_COUNT": positive(env, "MIN_PUBLIC_COUNT", 5),
        "LETTER_RATE_LIMIT": env.get("LETTER_RATE_LIMIT", "5 per minute;20 per day"),
        "LETTER_PREVIEW_RATE_LIMIT": env.get("LETTER_PREVIEW_RATE_LIMIT", "60 per minute"),
        # Back office: failed or not, login attempts per client.
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        # Failed logins on one account before only clients that have not failed may still try.
        "LOGIN_ACCOUNT_FAILURES": env.get("LOGIN_ACCOUNT_FAILURES", "10 per hour"),
        # Staff sessions end after this many seconds without a request, and this many after login.
        "STAFF_IDLE_TIMEOUT": int(env.get("STAFF_IDLE_TIMEOUT", 30 * 60)),
        "STAFF_SESSION_LIFETIME": int(env.get("STAFF_SESSION_LIFETIME", 12 * 3600)),
        "REMEMBER_COOKIE_SECURE": app_env == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "CONFIRMATION_MAX_AGE": int(env.get("CONFIRMATION_MAX_AGE", 30 * 24 * 3600)),
        "RETENTION_MONTHS": int(env.get("RETENTION_MONTHS", 6)),
        # Logs: one line per event on standard error, from this level up (DEBUG, INFO, WARNING, ERROR).
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # Who may read /metrics (directly, not through the proxy): addresses or networks, comma-separated.
        "METRICS_ALLOWED": networks(env, "METRICS_ALLOWED", "127.0.0.1,::1"),
        "CORRECTIONS_EMAIL": env.get("CORRECTIONS_EMAIL", "corrections@moratorium.example"),
        **mail_settings(env),
    }
