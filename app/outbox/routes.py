from flask import abort, current_app, render_template
from sqlalchemy import select

from app.extensions import db
from app.outbox import bp
from app.outbox.models import OutboxMessage


@bp.route("/dev/mail")
def mailbox():
    """Development only: the mail the site would have sent, so its links can be clicked."""
    if current_app.config["APP_ENV"] != "development" or current_app.config["MAIL_SERVER"]:
        abort(404)
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(50))
    return render_template("outbox/mailbox.html", messages=messages)
