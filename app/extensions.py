"""Extension objects, created unbound and initialised in create_app()."""

import threading
from functools import cached_property

import flask_babel
from flask import current_app, request
from flask_caching import Cache
from flask_limiter import Limiter
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect
from limits.storage import MemoryStorage
from sqlalchemy import MetaData
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase

from app.keys import keyed_digest

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def end_session():
    """Close the session, even on a connection the database has just dropped (a restart)."""
    try:
        db.session.remove()
    except (OperationalError, InterfaceError) as failure:
        current_app.logger.warning("session closed on a lost connection: %s", type(failure.orig).__name__)
        db.session.registry().invalidate()  # drops the connection without another ROLLBACK
        db.session.remove()

migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
mail = Mail()
class Babel(flask_babel.Babel):
    """Flask-Babel, with translations that isolate Latin runs on right-to-left pages."""

    @cached_property
    def domain_instance(self):
        from app.i18n import (
            IsolatingDomain,  # app.i18n needs this module's objects first
        )

        return IsolatingDomain(domain=self.domain)


babel = Babel()
cache = Cache()


def client_key():
    """Who a rate limit counts: a keyed hash of the address, so no raw IP is ever stored."""
    return keyed_digest(request.remote_addr or "", 16)


class LockedMemoryStorage(MemoryStorage):
    """limits' in-memory storage, made safe for threaded servers; it replaces the "memory" scheme.

    limits 5.8.0 checks and restarts its expiry timer without a lock, so two requests in two
    threads can start the same timer twice, and one of them fails with "threads can only be
    started once" (fixed upstream by alisaifee/limits#352, not yet released). Drop this class
    once a release has the fix.
    """

    STORAGE_SCHEME = ["memory"]
    _expiry_lock = threading.Lock()

    def _MemoryStorage__schedule_expiry(self):  # the parent's private method, by its mangled name
        with self._expiry_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.start()


limiter = Limiter(key_func=client_key)
talisman = Talisman()

# Everything the site loads is its own: no inline script or style, no other origin, no framing.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# A page partner sites may put in an <iframe> (a drive's embed): any site may frame it, the rest as strict.
FRAMEABLE_POLICY = {**CONTENT_SECURITY_POLICY, "frame-ancestors": "*"}
