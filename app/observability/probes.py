"""/healthz, /readyz and /metrics, answered before the site itself.

Load balancers and Prometheus reach an instance by its address, so these answer for any Host
(TRUSTED_HOSTS guards the site's pages, whose links name it), over plain HTTP whatever
FORCE_HTTPS says, with no cookie, no rate limit and `Cache-Control: no-store`.
"""

import ipaddress
import json

import redis
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request, Response

from app.extensions import db
from app.observability.metrics import exposition

REDIS_SETTINGS = ("RATELIMIT_STORAGE_URI", "CACHE_REDIS_URL")
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


class Probes:
    """WSGI middleware: the three probe paths (GET or HEAD) are answered here, everything else by the site."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app, self.app = wsgi_app, app
        self.answers = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}

    def __call__(self, environ, start_response):
        answer = self.answers.get(environ.get("PATH_INFO"))
        if answer is None or environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            response = answer(self.app, Request(environ))
        response.headers["Cache-Control"] = "no-store"
        return response(environ, start_response)


def healthz(app, request):
    """Liveness: the process answers. Touches nothing else."""
    return Response('{"status": "ok"}', mimetype="application/json")


def readyz(app, request):
    """Readiness: the database answers a query and every Redis a setting names answers PING; 503 naming what does not."""
    checks = {"DATABASE_URL": database_up()}
    for setting in REDIS_SETTINGS:
        url = app.config.get(setting) or ""
        if url.startswith(("redis://", "rediss://")):
            checks[setting] = redis_up(url)
    ready = all(checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": {k: "ok" if v else "down" for k, v in checks.items()}}
    return Response(json.dumps(body), status=200 if ready else 503, mimetype="application/json")


def database_up():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def redis_up(url):
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def metrics(app, request):
    """The metrics, for a scraper that reached this instance directly from an allowed address; 404 for anyone else."""
    if not scraper_allowed(app, request):
        return Response("Not Found", status=404, mimetype="text/plain")
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def scraper_allowed(app, request):
    """No proxy passed the request on (no forwarding header), and it came from an address in METRICS_ALLOWED."""
    if any(header in request.headers for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.environ.get("REMOTE_ADDR", ""))
    except ValueError:
        return False  # a Unix socket, or nothing: not an allowed address
    return any(address in network for network in app.config["METRICS_ALLOWED"])
