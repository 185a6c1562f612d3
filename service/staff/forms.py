from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired()])
    password = PasswordField("パスワード", validators=[DataRequired()])
