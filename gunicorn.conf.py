# gunicorn settings used by the Procfile's web process.
import os

from service.logs import redact_request_logs

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):  # noqa: ARG001
    redact_request_logs("gunicorn.access", "gunicorn.error")
