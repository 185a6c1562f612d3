from flask import Blueprint

blueprint = Blueprint("public", __name__)

from service.public import views  # noqa: E402,F401
