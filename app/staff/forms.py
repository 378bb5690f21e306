from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.staff.auth import PASSWORD_MIN
from app.staff.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Admin: accounts and everything"),
    Role.CAMPAIGNER: _l("Campaigner: drives, legislators and data"),
    Role.ORGANISER: _l("Organiser: progress and exports"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(_l("Please give your e-mail address.")),
                                                          Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please give your password.")),
                                                         Length(max=1000)])
    next = HiddenField()


def password_validators(required):
    first = DataRequired(_l("Please choose a password.")) if required else Optional()
    return [first, Length(min=PASSWORD_MIN, max=1000,
                          message=_l("Passwords have at least %(min)d characters."))]


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(_l("Please give an e-mail address.")), Length(max=254),
        Email(_l("This does not look like an e-mail address."), check_deliverability=False)])
    role = SelectField(_l("Role"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField(_l("Password"), validators=password_validators(required=True))
    active = BooleanField(_l("Can log in"), default=True)


class UserEditForm(UserForm):
    password = PasswordField(_l("New password (leave empty to keep it)"), validators=password_validators(False))
