# desaplan: the planning service (and, with another command, a queue worker), installed from the
# lock file so that it builds the same way twice.
#   docker build -t desaplan .
#   docker run --rm -p 8000:8000 -v desaplan-data:/srv/data desaplan       # embedded SQLite
#   docker compose up                                                      # PostgreSQL, Redis, workers
# Regenerate the lock after changing dependencies:
#   uv pip compile pyproject.toml --extra postgres --extra queue --universal --python-version 3.12 \
#       --generate-hashes --no-header -o requirements.lock

# the base image pinned by its digest (python:3.12-slim, 3.12.14 on Debian trixie)
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/desaplan
WORKDIR /src
# the dependencies first, pinned and hash-checked: this layer stays cached while the code changes
COPY requirements.lock ./
RUN /opt/desaplan/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY app ./app
COPY models ./models
COPY solver ./solver
COPY scenarios ./scenarios
COPY bench ./bench
RUN /opt/desaplan/bin/pip install --no-deps . && /opt/desaplan/bin/pip check

FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea
# tini as PID 1: it reaps the solver processes the service and workers fork, and passes signals on.
# Debian's tini comes with the base image's release; its version moves only with that release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 desaplan \
    && mkdir -p /srv/data \
    && chown desaplan /srv/data
COPY --from=build /opt/desaplan /opt/desaplan
ENV PATH=/opt/desaplan/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////srv/data/desaplan.sqlite
USER 1000:1000
WORKDIR /srv
# the embedded SQLite database lives here; with PostgreSQL nothing is written to it
VOLUME ["/srv/data"]
EXPOSE 8000
# the first start migrates the database and loads the example: give it a minute
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["desaplan", "serve", "--host", "0.0.0.0", "--port", "8000"]
