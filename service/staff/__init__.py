"""The console's blueprint; its pages are registered by service.web."""

from flask import Blueprint

blueprint = Blueprint("staff", __name__)
