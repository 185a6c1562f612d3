from flask import Blueprint

blueprint = Blueprint("public", __name__)

from service.public import preferences, views  # noqa: E402,F401
