"""Logging staff in: Argon2id password hashes, Flask-Login sessions, roles on every route."""

import secrets
from functools import cache, wraps
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy import select

from app.extensions import db
from app.keys import email_key
from app.staff.models import Role, User

PASSWORD_MIN = 12
hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters
login_manager = LoginManager()
login_manager.login_view = "staff.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.session_protection = "strong"


@cache
def dummy_hash():
    """Checked against for unknown addresses too, so that timing does not tell which have accounts.

    Made on first use: hashing takes Argon2's 64 MiB, which no other command needs.
    """
    return hasher.hash(secrets.token_hex(16))


@login_manager.user_loader
def load_user(session_token):
    return db.session.scalar(select(User).where(User.session_token == session_token, User.active))


def new_user(email, password, role):
    return User(email=email.strip(), email_key=email_key(email), role=Role(role),
                password_hash=hasher.hash(password), session_token=secrets.token_hex(32))


def set_password(user, password):
    """A new password ends the sessions opened with the old one."""
    user.password_hash = hasher.hash(password)
    end_sessions(user)


def end_sessions(user):
    """Every session of this account ends: a copied session cookie names a token that no longer exists."""
    user.session_token = secrets.token_hex(32)


def authenticate(email, password):
    """The active user with this address and password, or None; upgrades old hashes on the way."""
    user = db.session.scalar(select(User).where(User.email_key == email_key(email)))
    try:
        hasher.verify(user.password_hash if user else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def safe_next(target):
    """A `next` URL only if it stays on this site: a path, never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def roles_required(*roles):
    """Anonymous visitors go to the login page; staff without one of `roles` (or admin) get a 403."""
    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                # Back to this page after logging in; a form's target would answer a GET with 405.
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("staff.login", next=back))
            if not current_user.may(*roles):
                abort(403)
            return view(*args, **kwargs)
        wrapped.staff_roles = roles  # read by the test that checks every staff route
        return wrapped
    return decorate
