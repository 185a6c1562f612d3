from flask import Blueprint

blueprint = Blueprint("staff", __name__)

from service.staff import (  # noqa: E402,F401
    auth,
    calendar_view,
    dashboard,
    importing,
    line_account,
    notices,
    setup,
    two_factor,
    views,
)
