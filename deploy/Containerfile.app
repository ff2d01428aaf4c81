# syntax=docker/dockerfile:1
# Tekkie's app image: the web app (`tekkie serve app`), the action server (`tekkie serve
# actions`), migrations (`tekkie db upgrade`) and training (`tekkie train`).
# Build from the repository's top directory:  docker build -f deploy/Containerfile.app -t tekkie-app .
#
# It holds both virtual environments, as `make setup` makes them: the app's publish worker
# trains models with Rasa's Python 3.10 (.venv-rasa). Everything up to the final stage is the
# same in Containerfile.rasa (tests/deploy checks it), so the two images share those layers.

# Rasa 3.6 needs Python 3.10: the image's own /usr/local/bin/python3.10. The app needs 3.11+:
# Debian bookworm's /usr/bin/python3.11. pip's manylinux wheels fit both; nothing is compiled.
FROM python:3.10-slim-bookworm AS base
RUN apt-get update \
 && apt-get install --yes --no-install-recommends python3.11 python3.11-venv curl \
 && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The code finds .venv-rasa, config.yml and dialogues/ next to bot/ (bot/settings.py's
# PROJECT_ROOT), so the project lives in /app with both venvs inside it.
WORKDIR /app

FROM base AS rasa-venv
COPY requirements/rasa.lock requirements/rasa.lock
# The same pinned pip and wheel as the Makefile; the lock pins setuptools (first line).
RUN --mount=type=cache,target=/root/.cache/pip \
    python3.10 -m venv .venv-rasa \
 && .venv-rasa/bin/pip install --upgrade pip==25.3 wheel==0.45.1 \
 && .venv-rasa/bin/pip install -r requirements/rasa.lock

FROM base AS app-venv
COPY requirements/app.lock requirements/app.lock
RUN --mount=type=cache,target=/root/.cache/pip \
    /usr/bin/python3.11 -m venv .venv \
 && .venv/bin/pip install --upgrade pip==25.3 \
 && .venv/bin/pip install -r requirements/app.lock

FROM base AS runtime
RUN useradd --create-home --uid 10001 --user-group tekkie
# Both venvs keep working when copied: same paths, same interpreters (the same base stage).
COPY --from=rasa-venv /app/.venv-rasa .venv-rasa
COPY --from=app-venv /app/.venv .venv
COPY pyproject.toml README.md config.yml ./
COPY bot bot
COPY actions actions
COPY integrations integrations
# Training regenerates dialogues/domain/answers.yml from dialogues/content/: writable.
COPY --chown=tekkie:tekkie dialogues dialogues
# Editable, as `make setup` does: an installed copy would move PROJECT_ROOT into site-packages.
# models/ is MODEL_DIR (a shared volume), var/ holds RUNTIME_DIR (var/run) and the staff log,
# .rasa/ is Rasa's training cache (it is relative to the working directory).
RUN .venv/bin/pip install --no-cache-dir --no-deps -e . \
 && mkdir -p models var/run .rasa \
 && chown tekkie:tekkie models var var/run .rasa
ENV PATH=/app/.venv/bin:$PATH
USER tekkie

# Final stage of the app image.
# 8000: the web app (APP_PORT); 5055: the action server (ACTION_PORT), same image.
EXPOSE 8000 5055
# /health/live: the process answers. /health also checks the database, Redis, Rasa and the
# action server; an orchestrator should not restart the app because Rasa is down.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl --fail --silent --max-time 4 "http://127.0.0.1:${APP_PORT:-8000}/health/live" >/dev/null || exit 1
CMD ["tekkie", "serve", "app"]
