"""Connecting parents with help: the city's programmes and desks, the guide from a parent's
situation to them, and consultation requests that reach the right desk's queue."""

from flask import Blueprint

blueprint = Blueprint("support", __name__)
