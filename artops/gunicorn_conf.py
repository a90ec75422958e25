"""How gunicorn serves ARTops in production: ``gunicorn artops.wsgi -c python:artops.gunicorn_conf``.

The Dockerfile, docker-compose.yml and the fault tests' app servers all start gunicorn with this
module, so that what is measured is what is deployed. Every value can be changed from the
environment (a malformed one stops gunicorn with a message naming the variable); options given on
gunicorn's command line win over this module.

**Threads (gthread), not sync workers.** During PI Planning a room of 100–150 people keeps the
program board open, and every browser polls it every 2 seconds while Scrum Masters move cards. A
poll that finds nothing new costs well under a millisecond; a full board render costs tens of
milliseconds or more. A sync worker serves one request at a time, so a poll that lands behind a render waits for
it, and the waits add up across the room. It also ignores keep-alive, so 150 pollers would open a
new connection every 2 s each. A gthread worker runs ``WEB_THREADS`` requests side by side and parks
idle kept-alive connections in a poller without a thread. Threads are enough in Python here: the
GIL is released while a thread waits on PostgreSQL, Redis or the socket, which is most of a
request's time, so a cheap poll is answered while another thread renders.

**Polling, not ASGI and server-sent events.** Polling every 2 seconds, answered with "nothing
changed" from Redis or with a small change set (and one rendered board shared by everyone who may
see it), meets the room's targets: a move reaches every browser within about 2 s and a quiet poll
costs next to nothing (``make bench`` measures both). Server-sent events would deliver a move about
a second sooner on average, but need an async server, async views and an async Redis pub/sub
listener holding 150 open connections: a second way of serving requests to keep correct, for
little gain at the size of a PI Planning room.

Each thread holds its own database connection (``DB_CONN_MAX_AGE``): a web replica opens up to
``WEB_CONCURRENCY × WEB_THREADS`` connections to PostgreSQL (16 by default).
"""

from __future__ import annotations

import os

from artops.env import env_int, env_str

wsgi_app = "artops.wsgi:application"

# BIND (an address, e.g. 127.0.0.1:8000 or unix:/run/artops.sock) wins; otherwise every interface on
# PORT, as platforms that set PORT expect. docker-compose.yml's proxy forwards to port 8000.
# (Names that are not gunicorn settings, such as port, are ignored by gunicorn.)
port = env_int("PORT", 8000)
bind = [env_str("BIND", f"0.0.0.0:{port}")]

worker_class = "gthread"
# Processes: each has its own interpreter (and GIL); two per core suits this app's mix of I/O and rendering.
workers = env_int("WEB_CONCURRENCY", 2)
# Requests served side by side in each process; a quiet poll never waits behind a board render.
threads = env_int("WEB_THREADS", 8)

# Browsers poll the board every 2 s over kept-alive connections: keep them open well past that.
# Behind docker-compose.yml's nginx this is longer than nginx's own 60 s for idle upstream
# connections, so nginx closes an idle connection first and never reuses one gunicorn just closed.
keepalive = 75
# A worker silent this long (no heartbeat) is killed and replaced.
timeout = 30
# On stop or reload, requests in flight get this long to finish (docker-compose.yml waits 30 s).
graceful_timeout = 25

# The master checks each worker's heartbeat file; in a container, a file on the overlay filesystem
# can stall that check, so it lives in memory where the system offers it.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a shared-memory mount, not /tmp

# Who may say, with X-Forwarded-Proto, that a request came over HTTPS: the loopback address, unless
# FORWARDED_ALLOW_IPS names the proxy (docker-compose.yml sets "*": its web port is reachable only
# from the compose network, through the proxy). Django reads the same header (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# One line per request on standard output, with the address the proxy saw and the time taken in ms.
accesslog = "-"
access_log_format = '%(h)s %({x-forwarded-for}i)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
