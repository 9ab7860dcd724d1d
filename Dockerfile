# bwm in a container: `docker build -t bwm .`, or `docker compose up` (compose.yaml).
#
# The default command serves the app with gunicorn on 0.0.0.0:8000 after `flask db upgrade`
# (docker-entrypoint.sh); `flask --app bwm worker` runs the worker from the same image.
# instance/ (SQLite, the secret key, mail/*.eml without BWM_MAIL_SERVER) is a volume.
#
# BASE_IMAGE: any image with python3 (3.11+) and its venv module: the official slim image by
# default, or a Debian one (python3, python3-venv). The app lives in a venv at /opt/bwm.
# Classic-builder syntax only (no BuildKit features), so Debian's docker.io builds it too.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python3 -m venv /opt/bwm
WORKDIR /src
# The dependencies first, read from pyproject.toml: this layer is rebuilt only when they change.
COPY pyproject.toml ./
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > requirements.txt \
    && /opt/bwm/bin/pip install -r requirements.txt
COPY bwm ./bwm
# pybabel comes with Babel (a dependency of flask-babel): the .mo files ship as package data.
RUN /opt/bwm/bin/pybabel compile -d bwm/translations \
    && /opt/bwm/bin/pip install --no-deps . \
    && cd / && /opt/bwm/bin/python -c "import bwm, pathlib; assert list(pathlib.Path(bwm.__file__).parent.glob('translations/*/LC_MESSAGES/messages.mo')), 'no compiled catalogues'"

FROM ${BASE_IMAGE}
ENV PATH=/opt/bwm/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FLASK_APP=bwm \
    BWM_INSTANCE_PATH=/app/instance \
    BWM_BIND=0.0.0.0:8000
# A non-root user with a home of its own (gunicorn keeps its control socket in ~/.gunicorn).
RUN groupadd --system --gid 10001 bwm \
    && useradd --system --uid 10001 --gid bwm --create-home --home-dir /home/bwm \
       --shell /usr/sbin/nologin bwm
COPY --from=build /opt/bwm /opt/bwm
WORKDIR /app
# `flask db upgrade` reads migrations/ from the working directory.
COPY migrations ./migrations
COPY gunicorn.conf.py wsgi.py docker-entrypoint.sh ./
RUN chmod 0755 docker-entrypoint.sh \
    && mkdir -p /app/instance \
    && chown bwm:bwm /app/instance \
    && chmod 0750 /app/instance
USER bwm
# A new named volume starts as a copy of this (empty, bwm-owned) folder.
VOLUME ["/app/instance"]
EXPOSE 8000
# No curl in slim images: python's urllib asks /healthz on the port BWM_BIND names.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python3 -c "import os, urllib.request; host, _, port = os.environ.get('BWM_BIND', '0.0.0.0:8000').rpartition(':'); host = '127.0.0.1' if host in ('', '0.0.0.0', '[::]') else host; urllib.request.urlopen(f'http://{host}:{port}/healthz', timeout=4)"
ENTRYPOINT ["/app/docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
