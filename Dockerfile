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
RUN groupadd --system ehp && useradd --system --gid ehp --home-dir /app --shell /usr/sbin/nologin ehp
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
# Installed (not editable), the package is in site-packages: the CLI finds migrations/ and seed/
# in the working directory (ehp_api.core.migrate.migrations_dir, ehp_api.core.seeding.seed_dir).
COPY alembic.ini ./
COPY migrations ./migrations
COPY seed ./seed
RUN mkdir -p /app/data && chown ehp:ehp /app/data
USER ehp
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["ehp-api", "serve"]
