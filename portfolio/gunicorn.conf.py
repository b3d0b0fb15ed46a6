"""gunicorn settings for the image: `gunicorn portfolio.wsgi -c portfolio/gunicorn.conf.py`.

Sync workers, not gthread: measured on these machines, gthread with keep-alive piled every
connection onto one worker (gunicorn #3433) and halved throughput (docs/architecture.md).
Run behind a TLS-terminating proxy that buffers slow clients (Caddy, nginx, a platform's
load balancer); sync workers must not face slow clients directly.
"""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - inside a container
worker_class = "sync"
# WEB_CONCURRENCY is the usual knob on container platforms; default 2 × cores + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 2
# Recycle workers now and then so a slow leak never takes a host down; jitter keeps them
# from restarting together.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file lives in memory: a container's overlay filesystem can stall it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Trust X-Forwarded-* only from these peers (the proxy's address; "*" on a private
# container network where only the proxy can reach web). Django's own use of
# X-Forwarded-Proto is switched on separately by BEHIND_TLS_PROXY.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn >= 24 opens a control socket under $HOME, which the image's user cannot write
# (and nothing here uses gunicornc).
control_socket_disable = True
