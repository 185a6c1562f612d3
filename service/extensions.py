"""What stands in front of the pages: CSRF checks, rate limits, staff sign-in. Only the web
process imports this (through the page modules); a worker has no requests to guard."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(get_remote_address, default_limits=[])
login_manager = LoginManager()
