# syntax=docker/dockerfile:1.7
# Multi-stage: build a virtualenv with the project, then copy it into a slim runtime image.

FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
# From the lock: the versions and hashes CI tested, never a fresh resolution.
RUN pip install "uv==0.13.9"
ENV UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
COPY pyproject.toml uv.lock README.md ./
# The partner kit is a dependency installed from its folder (a path in uv.lock): it comes first.
COPY partner ./partner
RUN uv sync --locked --no-install-project --no-editable
COPY src ./src
RUN uv sync --locked --no-editable

FROM python:3.11-slim-bookworm AS runtime
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    EHP_HOST=0.0.0.0 \
    EHP_PORT=8000
# pg_dump and pg_restore for `ehp-api backup`/`restore`, of the major version of docker-compose's
# PostgreSQL (16): pg_dump refuses a server newer than itself, and bookworm's own client is 15.
# From the PostgreSQL project's apt repository (PGDG), its signing key fetched over HTTPS.
ARG PG_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && install -d /usr/share/postgresql-common/pgdg \
    && python -c "import urllib.request; urllib.request.urlretrieve('https://www.postgresql.org/media/keys/ACCC4CF8.asc', '/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc')" \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_MAJOR}" \
    && rm -rf /var/lib/apt/lists/* \
    && pg_dump --version | grep -q " ${PG_MAJOR}\."
RUN groupadd --system ehp && useradd --system --gid ehp --home-dir /app --shell /usr/sbin/nologin ehp
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Installed (not editable), the package is in site-packages: the CLI finds migrations/ and seed/
# in the working directory (ehp_api.core.migrate.migrations_dir, ehp_api.core.seeding.seed_dir).
COPY alembic.ini ./
COPY migrations ./migrations
COPY seed ./seed
# /backups: the backup service's volume (a new named volume takes this folder's owner).
RUN mkdir -p /app/data /backups && chown ehp:ehp /app/data /backups
USER ehp
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["ehp-api", "serve"]
