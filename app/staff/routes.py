from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.audit import AuditEntry
from app.extensions import client_key, db, limiter
from app.keys import email_key, keyed_digest
from app.records import utcnow
from app.staff.auth import (
    authenticate,
    end_sessions,
    new_user,
    roles_required,
    safe_next,
    set_password,
)
from app.staff.forms import ROLE_LABELS, LoginForm, UserEditForm, UserForm
from app.staff.models import Role, User

bp = Blueprint("staff", __name__, url_prefix="/<lang:lang_code>/staff")
PAGE_SIZE = 100


@bp.context_processor
def labels():
    from app.petitions.models import DriveState
    return {
        "role_labels": ROLE_LABELS,
        "state_labels": {DriveState.DRAFT: _("draft"), DriveState.OPEN: _("open"),
                         DriveState.CLOSED: _("closed"), DriveState.ARCHIVED: _("archived")},
    }


@bp.after_request
def private(response):
    """Staff pages are nobody's cache's business, and no search engine's."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account():
    """Counts attempts on one account from everywhere, as client_key counts one client's on all."""
    return "login:" + keyed_digest(email_key(request.form.get("email") or ""), 16)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"], deduct_when=lambda response: response.status_code == 401)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        guessing = Guessing(login_account())
        if guessing.barred():
            abort(429)
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            user.last_login_at = utcnow()
            db.session.commit()
            start_session(user)
            return redirect(safe_next(form.next.data) or url_for("staff.home"), 303)
        db.session.rollback()
        guessing.failed()
        return render_template("staff/login.html", form=form, failed=True), 401
    return render_template("staff/login.html", form=form), 400 if form.is_submitted() else 200


class Guessing:
    """Failed logins on one account, from everywhere and from this client.

    Once an account has had many failures, only clients that have failed on it are refused: the
    owner, logging in from a client that has not failed, still gets in. Each client's own
    failures are limited on all accounts by the login route's rate limit.
    """

    def __init__(self, account):
        self.account, self.pair = account, f"{account}:{client_key()}"
        self.limit = parse_limit(current_app.config["LOGIN_ACCOUNT_FAILURES"])
        self.first = parse_limit("1 per hour")

    def barred(self):
        return not limiter.limiter.test(self.limit, self.account) and not limiter.limiter.test(self.first, self.pair)

    def failed(self):
        limiter.limiter.hit(self.limit, self.account)
        limiter.limiter.hit(self.first, self.pair)


def start_session(user):
    """Log in, with a CSRF token of its own and the clocks the session lifetime is measured by."""
    session.pop("csrf_token", None)  # a token seen before logging in is not good after it
    login_user(user)
    session["staff_since"] = session["staff_seen"] = utcnow().timestamp()


@bp.before_request
def session_still_fresh():
    """A staff session ends after a while without a request, and at the end of its lifetime whatever."""
    if not current_user.is_authenticated:
        return None
    now, config = utcnow().timestamp(), current_app.config
    since, seen = session.get("staff_since", 0), session.get("staff_seen", 0)
    if now - seen > config["STAFF_IDLE_TIMEOUT"] or now - since > config["STAFF_SESSION_LIFETIME"]:
        logout_user()
        session.pop("staff_since", None)
        flash(_("Your session has ended. Please log in again."))
        return redirect(url_for("staff.login", next=request.full_path.rstrip("?") if request.method == "GET" else None))
    session["staff_seen"] = now
    return None


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        end_sessions(db.session.merge(current_user._get_current_object()))
        db.session.commit()
    logout_user()
    return redirect(url_for("staff.login"), 303)


@bp.route("/")
@roles_required(Role.CAMPAIGNER, Role.ORGANISER)
def home():
    from app.petitions.models import Drive
    newest_first = db.session.scalars(select(Drive).order_by(Drive.created_at.desc())).all()
    return render_template("staff/home.html", drives=newest_first)


# --- accounts (admin) ---------------------------------------------------------------------

@bp.route("/users/")
@roles_required()
def users():
    return render_template("staff/users.html", users=db.session.scalars(select(User).order_by(User.email)).all())


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required()
def user_new():
    form = UserForm()
    if form.validate_on_submit():
        user = new_user(form.email.data, form.password.data, form.role.data)
        user.active = form.active.data
        db.session.add(user)
        if not address_free(form):
            return render_template("staff/user_form.html", form=form, user=None), 409
        audit.record("user.create", f"user:{user.email_key}", after=account(user))
        db.session.commit()
        flash(_("Account created for %(email)s.", email=user.email))
        return redirect(url_for("staff.users"), 303)
    return render_template("staff/user_form.html", form=form, user=None), 400 if form.is_submitted() else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required()
def user_edit(user_id):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        before = account(user)
        if user.id == current_user.id and (form.role.data != Role.ADMIN or not form.active.data):
            form.role.errors.append(_("You cannot take away your own admin rights or log yourself out for good."))
            return render_template("staff/user_form.html", form=form, user=user), 400
        user.email, user.email_key = form.email.data.strip(), email_key(form.email.data)
        if user.active != form.active.data:
            end_sessions(user)  # disabled: its sessions end; enabled again: old ones stay ended
        user.role, user.active = Role(form.role.data), form.active.data
        after = account(user)
        if form.password.data:
            set_password(user, form.password.data)
            before["password"], after["password"] = "old", "changed"
        if not address_free(form):
            return render_template("staff/user_form.html", form=form, user=user), 409
        audit.record("user.update", f"user:{user.email_key}", *audit.changes(before, after))
        db.session.commit()
        if user.id == current_user.id:
            start_session(user)  # their own new password: this session goes on under the new token
        flash(_("Account saved."))
        return redirect(url_for("staff.users"), 303)
    return render_template("staff/user_form.html", form=form, user=user), 400 if form.is_submitted() else 200


def address_free(form):
    """Write the account; False, with the message beside the address, if another one has it."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        form.email.errors.append(_("There is already an account with this address."))
        return False
    return True


def account(user):
    """What the audit log keeps of an account: never the password or its hash."""
    return {"email": user.email, "role": str(user.role), "active": user.active}


# --- audit log (admin) --------------------------------------------------------------------

@bp.route("/audit/")
@roles_required()
def audit_log():
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    filters = {name: request.args.get(name, "").strip() for name in ("actor", "action", "target", "since", "until")}
    if filters["actor"]:
        query = query.where(AuditEntry.actor.contains(filters["actor"], autoescape=True))
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"], autoescape=True))
    if filters["target"]:
        query = query.where(AuditEntry.target.contains(filters["target"], autoescape=True))
    errors = {}
    for name in ("since", "until"):
        if filters[name]:
            try:
                day = datetime.strptime(filters[name], "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                errors[name] = _("Write a date as YYYY-MM-DD.")
                continue
            query = query.where(AuditEntry.at >= day if name == "since" else AuditEntry.at < day + timedelta(days=1))
    before = request.args.get("before", type=int)
    if before:
        query = query.where(AuditEntry.id < before)
    entries = db.session.scalars(query.limit(PAGE_SIZE)).all()
    return render_template("staff/audit.html", entries=entries, filters=filters, errors=errors,
                           more=len(entries) == PAGE_SIZE), 400 if errors else 200


from app.staff import data, drives, legislators, paper, progress, sharing, updates  # noqa: E402,F401  (routes on this blueprint)
