"""Forms of the account pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.core.validation import control_characters_message, has_control_characters


def plain_text(form, field) -> None:
    """The services' rule for free text (app.core.validation): no control characters."""
    if field.data and has_control_characters(field.data.strip()):
        raise ValidationError(control_characters_message())


class LoginForm(FlaskForm):
    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100), plain_text])
    locale = SelectField(_l("Language"), choices=[("zh_CN", "中文"), ("en", "English")])
    large_text = BooleanField(_l("Large text"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[Optional(), Length(max=100), plain_text])
