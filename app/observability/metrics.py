"""Prometheus metrics: requests and signatures counted in each process, the outbox read from the database.

Under uWSGI each process counts on its own; with PROMETHEUS_MULTIPROC_DIR set (prometheus_client's
multiprocess mode) they write to files in that folder and any one of them reports their sum.
"""

import os
from datetime import timedelta

from flask import request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.letters.models import LetterDelivery
from app.observability.logs import elapsed, route
from app.outbox.models import MessageState, OutboxMessage
from app.outbox.services import is_due
from app.records import as_utc, utcnow

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}  # any other is counted as OTHER

REQUESTS = Counter("moratorium_http_requests", "Requests answered, by method, URL rule and status.",
                   ["method", "route", "status"])
LATENCY = Histogram("moratorium_http_request_duration_seconds", "Time to answer a request, by URL rule.", ["route"])
SIGNED = Counter("moratorium_signatures_signed",
                 "Signing forms stored: new signatures, and a known address asking for its confirmation again.")
CONFIRMED = Counter("moratorium_signatures_confirmed", "Signatures confirmed, and so counted.")


def count_requests(app):
    """Count every request Flask answers by its URL rule (not its path: one series per page, not per token)."""
    @app.after_request
    def count_request(response):
        method = request.method if request.method in METHODS else "OTHER"
        REQUESTS.labels(method, route(), str(response.status_code)).inc()
        LATENCY.labels(route()).observe(elapsed())
        return response


class Outbox:
    """Gauges of the outbox read from the database at each scrape: every process and host reports the same."""

    def describe(self):
        return []  # nothing to read when registered

    def collect(self):
        try:
            figures = outbox_figures()
        except SQLAlchemyError:
            db.session.rollback()
            yield gauge("moratorium_database_up", "1 when the database answered this scrape's queries.", 0)
            return
        yield gauge("moratorium_database_up", "1 when the database answered this scrape's queries.", 1)
        yield gauge("moratorium_outbox_backlog_messages", "Mail not yet sent nor given up (pending or being sent).",
                    figures["backlog"])
        yield gauge("moratorium_outbox_oldest_due_age_seconds",
                    "How long the longest-waiting due message has been due (0 when none is).", figures["oldest_due"])
        yield gauge("moratorium_outbox_failed_messages", "Mail given up on after its last try, kept for a person.",
                    figures["failed"])
        yield gauge("moratorium_letters_deferred_messages",
                    "Letters to legislators waiting for a later hour or day because a cap is full.", figures["deferred"])


def gauge(name, documentation, value):
    return GaugeMetricFamily(name, documentation, value=value)


def outbox_figures(now=None):
    """Backlog, age of the oldest due message in seconds, failed mail and deferred letters, as of `now`."""
    now = now or utcnow()
    states = dict(db.session.execute(
        select(OutboxMessage.state, func.count()).where(OutboxMessage.state.in_(
            [MessageState.PENDING, MessageState.SENDING, MessageState.FAILED])).group_by(OutboxMessage.state)).all())
    oldest = as_utc(db.session.scalar(select(func.min(OutboxMessage.next_attempt_at)).where(is_due(now))))
    hour = int(now.timestamp() // 3600)
    deferred = db.session.scalar(
        select(func.count()).select_from(LetterDelivery).join(OutboxMessage, OutboxMessage.id == LetterDelivery.outbox_id)
        .where(OutboxMessage.state == MessageState.PENDING, LetterDelivery.slot_hour > hour))
    return {
        "backlog": states.get(MessageState.PENDING, 0) + states.get(MessageState.SENDING, 0),
        "oldest_due": max(now - oldest, timedelta(0)).total_seconds() if oldest else 0.0,
        "failed": states.get(MessageState.FAILED, 0),
        "deferred": deferred,
    }


def exposition():
    """The metrics in Prometheus' text format: this process's (or all processes', in multiprocess mode) and the outbox's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # a registry is itself a collector: this process's counters
    registry.register(Outbox())
    return generate_latest(registry)
