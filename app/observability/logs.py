"""One line per event: `time level logger event key=value...`, with no client address or e-mail address.

A request is logged by its URL rule (`/<lang:lang_code>/signatures/confirm/<token>`), never its
path or query string, which carry the tokens of links from mail.
"""

import json
import logging
import sys
import time
import traceback
from datetime import UTC, datetime

from flask import g, request, request_started
from flask.logging import default_handler

requests_log = logging.getLogger("app.request")


def field(value):
    """A value as written after `key=`: bare when it is one plain word, else quoted as JSON quotes it."""
    text = str(value)
    if text and not any(c.isspace() or c in '"=\\' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class OneLine(logging.Formatter):
    """`2026-11-29T06:35:13.123Z INFO app.request request method=GET route=/ status=200 ms=3.1`."""

    def format(self, record):
        moment = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        parts = [moment, record.levelname, record.name, record.getMessage().replace("\n", "\\n")]
        fields = dict(getattr(record, "fields", {}))
        if record.exc_info:
            fields["error"] = record.exc_info[0].__name__
            fields["traceback"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        parts += [f"{key}={field(value)}" for key, value in fields.items()]
        return " ".join(parts)


class StderrLines(logging.StreamHandler):
    """Lines to whatever sys.stderr is now (uWSGI's log, a test's capture), not to the one at start."""

    def __init__(self):
        super().__init__()
        self.setFormatter(OneLine())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass  # always sys.stderr, as above


def configure(app):
    """Send every logger's events to standard error, one line each, at LOG_LEVEL."""
    root = logging.getLogger()
    if not any(isinstance(handler, StderrLines) for handler in root.handlers):
        root.addHandler(StderrLines())
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)  # the root's handler writes its events
    # The development server's access lines carry the client's address and the query string; ours do not.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Flask-Limiter's "rate limit exceeded" lines name the client's (keyed) address: a pseudonym, but linkable.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.log_exception = log_exception


def route():
    """The URL rule the request matched (never its path, which may hold a token), or `unmatched`."""
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def log_exception(exc_info):
    """Flask's log of an unexpected failure, naming the URL rule where Flask names the path."""
    requests_log.error("exception", exc_info=exc_info, extra={"fields": {"method": request.method, "route": route()}})


def started(sender, **extra):
    g.request_started = time.perf_counter()


def elapsed():
    """Seconds since the request began (0 for one that failed before Flask saw it begin)."""
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def log_requests(app):
    """A line per request: method, URL rule, status and milliseconds."""
    request_started.connect(started, app)

    @app.after_request
    def log_request(response):
        requests_log.info("request", extra={"fields": {
            "method": request.method, "route": route(), "status": response.status_code,
            "ms": round(elapsed() * 1000, 1)}})
        return response
