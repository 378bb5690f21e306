"""What operators watch: liveness and readiness, Prometheus metrics kept from the public, one-line logs
that name no signer and no client."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app import config, create_app
from app.extensions import db
from app.outbox.models import MessageState, OutboxMessage
from tests.helpers import deliver, free_port, link, press, prove, sign, unavailable, write

ROOT = Path(__file__).resolve().parent.parent
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def closed_port_url(scheme):
    return f"{scheme}://127.0.0.1:{free_port()}"


def probe(app, path, host="10.0.0.3:8000", **environ):
    """A load balancer's request: by the instance's address, not the site's name."""
    return app.test_client().get(path, headers={"Host": host}, environ_base={**LOCAL, **environ})


# --- liveness and readiness -------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_a_load_balancer_by_address_uncached_and_without_cookies(app, path):
    app.config.update(TRUSTED_HOSTS=["moratorium.test"])
    try:
        response = probe(app, path)
        site = probe(app, "/en/")
    finally:
        app.config.update(TRUSTED_HOSTS=None)
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers
    assert site.status_code == 400  # the site itself still answers only its own name


def test_ready_when_the_database_and_redis_answer(databases):
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379").ping()
    except redis.ConnectionError:
        unavailable("Redis at 127.0.0.1:6379 is not reachable")
    app = create_app({"SQLALCHEMY_DATABASE_URI": databases.new(), "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
                      "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:6379"})
    response = probe(app, "/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"DATABASE_URL": "ok", "RATELIMIT_STORAGE_URI": "ok", "CACHE_REDIS_URL": "ok"}


def test_not_ready_while_the_database_is_unreachable():
    app = create_app({"SQLALCHEMY_DATABASE_URI": closed_port_url("postgresql+psycopg") + "/moratorium"})
    response = probe(app, "/readyz")
    assert response.status_code == 503 and response.headers["Cache-Control"] == "no-store"
    assert response.json == {"status": "unavailable", "checks": {"DATABASE_URL": "down"}}
    assert probe(app, "/healthz").status_code == 200  # alive all the same: restarting it would not help


@pytest.mark.parametrize("setting", ["RATELIMIT_STORAGE_URI", "CACHE_REDIS_URL"])
def test_not_ready_while_a_redis_is_unreachable(databases, setting):
    settings = {"SQLALCHEMY_DATABASE_URI": databases.new(), setting: closed_port_url("redis")}
    if setting == "CACHE_REDIS_URL":
        settings["CACHE_TYPE"] = "RedisCache"
    response = probe(create_app(settings), "/readyz")
    assert response.status_code == 503
    assert response.json["checks"] == {"DATABASE_URL": "ok", setting: "down"}


# --- metrics --------------------------------------------------------------------------------------

def scrape(app, **environ):
    response = app.test_client().get("/metrics", environ_base={**LOCAL, **environ})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def queued(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state.in_([MessageState.PENDING, MessageState.SENDING])))


def test_signing_and_confirming_move_the_counters_and_the_backlog_follows_the_outbox(petition_app, inbox):
    before = scrape(petition_app)
    client = petition_app.test_client()
    assert sign(client, email="anna@example.org").status_code == 303
    assert sign(client, email="bo@example.org").status_code == 303
    middle = scrape(petition_app)
    assert value(middle, "moratorium_outbox_backlog_messages") == queued(petition_app) == 2
    assert value(middle, "moratorium_outbox_oldest_due_age_seconds") >= 0
    assert value(middle, "moratorium_database_up") == 1
    deliver(petition_app)
    assert press(client, link(inbox.to("anna@example.org")[0], "confirm")).status_code == 200
    after = scrape(petition_app)
    signed, confirmed = "moratorium_signatures_signed_total", "moratorium_signatures_confirmed_total"
    assert value(after, signed) - value(before, signed) == 2
    assert value(after, confirmed) - value(before, confirmed) == 1
    assert value(after, "moratorium_outbox_backlog_messages") == queued(petition_app) == 0
    posted = {"method": "POST", "route": "/<lang:lang_code>/drives/<slug>", "status": "303"}
    assert value(after, "moratorium_http_requests_total", **posted) - value(
        before, "moratorium_http_requests_total", **posted) == 2
    latency = ("moratorium_http_request_duration_seconds_count", {"route": "/<lang:lang_code>/drives/<slug>"})
    assert value(after, latency[0], **latency[1]) > value(before, latency[0], **latency[1])
    # By the URL rule, never by a path that holds a token.
    assert not any("/signatures/confirm/" in dict(labels).get("route", "") and "<token>" not in dict(labels)["route"]
                   for _, labels in after)


def test_letters_deferred_by_the_caps_are_counted(letters_app):
    letters_app.config.update(LETTER_CAP_LEGISLATOR_HOUR=1)
    for address in ("first@example.org", "second@example.org"):
        client = letters_app.test_client()
        prove(client, address)
        assert write(client, email=address, region="Skåne").status_code == 303
    samples = scrape(letters_app)
    assert value(samples, "moratorium_letters_deferred_messages") == 1  # the second waits for the next hour
    assert value(samples, "moratorium_outbox_backlog_messages") == 2


@pytest.mark.parametrize("environ", [
    {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},  # came through the proxy, whatever it claims
    {"HTTP_FORWARDED": "for=127.0.0.1"},
    {"REMOTE_ADDR": "192.0.2.10"},  # straight, from an address not allowed
])
def test_metrics_are_not_shown_to_the_public(app, environ):
    response = app.test_client().get("/metrics", environ_base={**LOCAL, **environ})
    assert response.status_code == 404 and b"moratorium" not in response.data


def test_metrics_are_shown_to_the_allowed_network_only(app):
    app.config.update(METRICS_ALLOWED=config.networks({"METRICS_ALLOWED": "10.0.0.0/8"}, "METRICS_ALLOWED", ""))
    try:
        assert value(scrape(app, REMOTE_ADDR="10.1.2.3"), "moratorium_database_up") == 1
        assert app.test_client().get("/metrics", environ_base=LOCAL).status_code == 404
    finally:
        app.config.update(METRICS_ALLOWED=config.networks({}, "METRICS_ALLOWED", "127.0.0.1,::1"))


def test_several_processes_report_one_set_of_counters(tmp_path, databases):
    """uWSGI's processes, each counting its own signatures, reported as one sum by whichever is scraped."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "APP_ENV": "testing",
           "DATABASE_URL": databases.new()}
    count = "from app.observability import metrics; metrics.SIGNED.inc(3)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], cwd=ROOT, env=env, check=True)
    read = ("from app import create_app; "
            "print(create_app().test_client().get('/metrics', environ_base={'REMOTE_ADDR': '127.0.0.1'}).text)")
    text = subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout
    samples = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples if not s.labels}
    assert samples["moratorium_signatures_signed_total"] == 6


# --- logs -----------------------------------------------------------------------------------------

LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+ \S.*")


def test_logs_are_one_line_per_event_and_name_no_signer_and_no_client(petition_app, inbox, capsys):
    client = petition_app.test_client()
    visitor = {"REMOTE_ADDR": "203.0.113.7"}
    client.environ_base.update(visitor)
    assert sign(client, email="anna@example.org").status_code == 303
    worker = petition_app.test_cli_runner().invoke(args=["outbox", "work"])
    path = link(inbox.to("anna@example.org")[0], "confirm")
    assert press(client, path).status_code == 200
    client.get("/en/signatures/confirm/not-a-token?token=secret")
    logged = capsys.readouterr().err + worker.output
    lines = logged.splitlines()
    assert lines and all(LINE.fullmatch(line) for line in lines), logged
    assert "anna@example.org" not in logged and "203.0.113.7" not in logged
    assert path.rsplit("/", 1)[-1] not in logged and "secret" not in logged  # tokens stay out too
    assert any("request method=POST route=/<lang:lang_code>/drives/<slug> status=303" in line for line in lines)
    assert any("route=/<lang:lang_code>/signatures/confirm/<token> status=200" in line for line in lines)
    assert any("outbox delivered sent=1" in line for line in lines), logged


def test_an_unexpected_failure_is_logged_on_one_line_by_its_route(databases, capsys):
    app = create_app({"SQLALCHEMY_DATABASE_URI": databases.new(), "TESTING": False})

    @app.route("/boom/<token>")
    def boom(token):
        raise RuntimeError("with\nseveral\nlines")

    assert app.test_client().get("/boom/s3cret").status_code == 500
    logged = capsys.readouterr().err
    failure = [line for line in logged.splitlines() if " ERROR " in line]
    assert len(failure) == 1 and "route=/boom/<token>" in failure[0] and "error=RuntimeError" in failure[0]
    assert "s3cret" not in logged


def test_a_metrics_allowed_that_names_no_address_refuses_to_start():
    with pytest.raises(config.ConfigError, match="METRICS_ALLOWED"):
        config.load({"APP_ENV": "testing", "SECRET_KEY": "x", "METRICS_ALLOWED": "prometheus.internal"})
