# regbot: `docker build -t regbot .` — or `docker compose up` with compose.yaml.
#
# Two stages: the builder installs the locked dependencies and regbot into a virtualenv;
# the final image is the slim base plus that virtualenv (without pip and setuptools), run as
# an unprivileged user. The base image is pinned to an exact patch release; bump it
# deliberately. No `# syntax=` line: the builder built into the engine reads this file, so
# offline and mirror-only builds need nothing from a registry but the base image.
ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src

# The dependency layer: rebuilt only when pyproject.toml or requirements.lock change.
# Only the runtime dependencies (pyproject's [project] dependencies), at the locked versions,
# and the build backend at the version pyproject.toml pins (also in requirements.lock).
COPY pyproject.toml requirements.lock ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > runtime.txt \
 && pip install --requirement runtime.txt --constraint requirements.lock \
 && pip install setuptools --constraint requirements.lock

# The code layer. bot/devtools (the IONOS and Slack stand-ins) comes along: the compose
# profile `try` runs them from this image; nothing in the product imports them.
COPY README.md ./
COPY bot ./bot
COPY handlers ./handlers
RUN pip install --no-deps --no-build-isolation . \
 && regbot --help > /dev/null \
 && pip uninstall --yes setuptools pip \
 && rm -rf /opt/venv/bin/pip* /opt/venv/bin/easy_install*

FROM ${PYTHON_IMAGE}
# Everything that does not depend on the code comes first, so a code change rebuilds only
# the final COPY.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3000 \
    REGBOT_POLICY=/etc/regbot/policy.yml
RUN groupadd --system --gid 10001 regbot \
 && useradd --system --uid 10001 --gid regbot --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin regbot
WORKDIR /tmp
# /healthz (Redis and IONOS reachable; in Socket Mode also the WebSocket), /metrics, and in
# HTTP mode /slack/events.
EXPOSE 3000
# The check follows the command the container runs (bot/runtime/healthcheck.py): `serve`
# must answer 200 on /healthz (503 when degraded fails it); `sweep` serves nothing and is
# checked on its Redis; the stand-ins on their own port. Standard library only: no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-m", "bot.runtime.healthcheck"]
# SIGTERM starts the graceful shutdown (bot/runtime/serve.py); give it 30 s before SIGKILL.
# `regbot sweep` and the stand-ins stop on it too.
STOPSIGNAL SIGTERM
USER 10001:10001
CMD ["regbot", "serve"]
COPY --from=builder /opt/venv /opt/venv
