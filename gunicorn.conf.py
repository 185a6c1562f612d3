# gunicorn settings used by the Procfile's web process.
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
accesslog = "-"
# The proxies whose X-Forwarded-Proto gunicorn believes: the same ones whose X-Forwarded-For
# Yorisou believes for the client's address (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get(
    "TRUSTED_PROXIES", os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
)


def on_starting(server):
    # Tokens are kept out of the access log by each worker's app (service.logs).
    store = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    processes = server.cfg.workers
    if processes > 1 and store.startswith("memory://"):
        server.log.warning(
            "%d web processes with RATELIMIT_STORAGE_URI=memory://: each counts alone, so the "
            "limits allow %d times as much; set RATELIMIT_STORAGE_URI=redis://…",
            processes,
            processes,
        )
