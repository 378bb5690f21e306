"""Moratorium: a campaign platform for a moratorium on extraditions to the PRC."""

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import InternalServerError, MethodNotAllowed, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config, i18n
from app.extensions import (
    CONTENT_SECURITY_POLICY,
    cache,
    csrf,
    db,
    end_session,
    limiter,
    mail,
    migrate,
    talisman,
)


def create_app(settings=None):
    """Build the application: configuration, logs and probes, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
        instance_path=str(config.INSTANCE),
    )
    app.config.update(config.load())
    app.config.update(settings or {})
    config.INSTANCE.mkdir(exist_ok=True)  # SQLite cannot create the folder of its file
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_observability(app)
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_errorhandlers(app)
    register_template_context(app)
    return app


def register_observability(app):
    """Logs, request metrics and the probes (/healthz, /readyz, /metrics), before anything can log."""
    from app import observability

    observability.init_app(app)


def register_extensions(app):
    db.init_app(app)

    # Runs before Flask-SQLAlchemy's own teardown, which was registered first. By now the
    # response is made and whatever it wrote is committed: a database restarting in between
    # only fails the closing rollback, which must not turn the answer into a 500.
    app.teardown_appcontext(lambda error: end_session())
    migrate.init_app(app, db, directory=str(config.ROOT / "migrations"))
    csrf.init_app(app)
    mail.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    # Security headers on every response. HSTS is sent on HTTPS requests only (behind a proxy:
    # PROXY_COUNT, so that X-Forwarded-Proto counts); FORCE_HTTPS redirects plain HTTP.
    talisman.init_app(
        app, force_https=app.config["FORCE_HTTPS"], strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600, content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY", referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"], session_cookie_http_only=True,
    )
    from app.staff.auth import login_manager
    login_manager.init_app(app)
    i18n.init_app(app)


def register_blueprints(app):
    from app.api import bp as api_bp
    from app.countries import bp as countries_bp
    from app.geo import CountryConverter
    from app.letters.routes import bp as letters_bp
    from app.outbox import bp as outbox_bp
    from app.petitions import bp as petitions_bp
    from app.staff.routes import bp as staff_bp
    from app.updates import bp as updates_bp

    app.url_map.converters["country"] = CountryConverter
    app.register_blueprint(petitions_bp)
    app.register_blueprint(letters_bp)
    app.register_blueprint(updates_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(outbox_bp)

    app.register_blueprint(countries_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.url_value_preprocessor(pop_language)
    app.url_defaults(add_language)
    app.extensions["language_endpoints"] = {
        rule.endpoint for rule in app.url_map.iter_rules() if "lang_code" in rule.arguments
    }


def pop_language(endpoint, values):
    if values and "lang_code" in values:
        g.lang_code = values.pop("lang_code")


def add_language(endpoint, values):
    if "lang_code" not in values and endpoint in current_app.extensions["language_endpoints"]:
        values["lang_code"] = i18n.current_tag()


def register_cli(app):
    from app.letters.cli import legislators
    from app.outbox.cli import outbox
    from app.petitions.cli import drives
    from app.privacy import privacy
    from app.staff.cli import users
    from app.staff.export_cli import signatures
    from app.treaties.cli import data

    for group in (data, drives, legislators, outbox, privacy, signatures, users):
        app.cli.add_command(group)


def register_errorhandlers(app):
    def page(error):
        if not trusted_host():
            return error  # Werkzeug's plain page: ours links into the site, which has no address on this host
        if request.path.startswith("/api/"):
            response = jsonify(error=error.name.lower())
        else:
            response = app.make_response(render_template("errors/error.html", error=error, discoverable=False))
        response.status_code = error.code
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)  # RFC 9110 requires it on a 405
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error):
        """An unexpected failure, already logged by Flask: a page in the visitor's language, never a traceback."""
        if request.path.startswith("/api/"):
            return jsonify(error="internal server error"), 500
        try:
            return render_template("errors/error.html", error=error, discoverable=False), 500
        except Exception:  # the page itself cannot be made: say so plainly
            current_app.logger.exception("error page failed")
            return "Internal Server Error", 500, {"Content-Type": "text/plain; charset=utf-8"}

    def trusted_host():
        try:
            return bool(request.host)  # raises for a host outside TRUSTED_HOSTS
        except SecurityError:
            return False

    for code in (400, 403, 404, 405, 409, 413, 429):
        app.register_error_handler(code, page)

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        """The database is down or restarting: say so, and that nothing half-done was kept."""
        db.session.rollback()  # whatever the request had begun is not written
        current_app.logger.error("database unavailable: %s", type(error.orig).__name__)
        if request.path.startswith("/api/"):
            response = jsonify(error="service unavailable")
        else:
            response = app.make_response(render_template("errors/unavailable.html"))
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response


def register_template_context(app):
    from app import templating  # with the blueprints: it uses the countries' labels

    templating.register(app)

    @app.context_processor
    def language_context():
        tag = i18n.current_tag()
        links = i18n.language_links(request)
        discoverable = i18n.discoverable()
        return {
            "lang_tag": tag,
            "html_lang": i18n.html_lang(tag),
            "text_direction": get_locale().text_direction,
            "language_links": links,
            "discoverable": discoverable,
            "default_language_url": i18n.default_url(links) if discoverable else None,
        }
