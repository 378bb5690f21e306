"""What operators watch: /healthz and /readyz, Prometheus metrics at /metrics, one log line per event."""

from app.observability import logs, metrics
from app.observability.probes import Probes


def init_app(app):
    """Logging first (so that every later message has its format), then the request hooks and the probes."""
    logs.configure(app)
    logs.log_requests(app)
    metrics.count_requests(app)
    # Outermost: the probes see the request as it arrived (its own address, any X-Forwarded-For).
    app.wsgi_app = Probes(app.wsgi_app, app)
