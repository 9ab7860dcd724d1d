"""gunicorn's settings for bwm: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threaded workers, so one slow request (an organizer's "sync now", bounded by
BWM_CALENDAR_TIMEOUT) never holds up other visitors. BWM_WEB_CONCURRENCY sets the number of
worker processes (default: one per core), BWM_WEB_THREADS the threads in each (4), BWM_BIND the
address (127.0.0.1:8000; a container binds 0.0.0.0:8000). Command-line options override these.
"""

import multiprocessing
import os

bind = os.environ.get("BWM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("BWM_WEB_CONCURRENCY") or multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("BWM_WEB_THREADS") or 4)
# A request never waits on another server but "sync now", itself bounded well under this.
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Long enough for a booking form, short enough for a slow client to be let go.
limit_request_line = 8190
