"""The console's blueprint: every console page registers on it (service.routes mounts it at
/staff), whichever capability the page belongs to."""

from flask import Blueprint

blueprint = Blueprint("staff", __name__)
