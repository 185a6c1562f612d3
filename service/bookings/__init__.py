"""Bookings: seminars, 説明会 and a desk's consultation days, the places parents book in them,
waiting lists, reminders and the day itself."""

from flask import Blueprint

blueprint = Blueprint("bookings", __name__)

from service.bookings import parent_pages, staff_pages  # noqa: E402,F401
