# syntax=docker/dockerfile:1
# regbot: `docker build -t regbot .` — or `docker compose up` with compose.yaml.
#
# Two stages: the builder installs the locked dependencies and regbot into a virtualenv;
# the final image is the slim base plus that virtualenv, run as an unprivileged user.
# The base image is pinned to an exact patch release; bump it deliberately.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The dependency layer: rebuilt only when pyproject.toml or requirements.lock change.
# Only the runtime dependencies (pyproject's [project] dependencies), at the locked versions.
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && pip install --requirement runtime.txt --constraint requirements.lock

# The code layer.
COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-deps . \
 && regbot --help > /dev/null

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    REGBOT_POLICY=/etc/regbot/policy.yml
RUN groupadd --system --gid 10001 regbot \
 && useradd --system --uid 10001 --gid regbot --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin regbot
COPY --from=builder /opt/venv /opt/venv
USER 10001:10001
WORKDIR /tmp
# /healthz (Redis and IONOS reachable; in Socket Mode also the WebSocket), /metrics, and in
# HTTP mode /slack/events.
EXPOSE 3000
# slim has no curl: the standard library asks. Any non-200 (503 when degraded) fails it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM starts the graceful shutdown (bot/runtime/serve.py); give it 30 s before SIGKILL.
STOPSIGNAL SIGTERM
CMD ["regbot", "serve"]
