import sys

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from app import audit
from app.extensions import db
from app.staff.auth import PASSWORD_MIN, new_user
from app.staff.models import Role

users = AppGroup("users", help="Staff accounts for the back office.")


def read_password():
    """From the terminal (asked twice, not echoed), or the first line of standard input; never an argument."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
def create(email, role):
    """Create a staff account; the password is asked on the terminal or read from standard input."""
    password = read_password()
    if len(password) < PASSWORD_MIN:
        raise click.ClickException(f"the password needs at least {PASSWORD_MIN} characters")
    user = new_user(email, password, role)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(f"there is already an account for {email}") from None
    audit.record("user.create", f"user:{user.email_key}", after={"email": user.email, "role": role},
                 actor="command line")
    db.session.commit()
    click.echo(f"{role} account created for {user.email}")
