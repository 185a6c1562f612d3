from flask import Blueprint

blueprint = Blueprint("staff", __name__)

from service.staff import auth, calendar_view, notices, setup, views  # noqa: E402,F401
