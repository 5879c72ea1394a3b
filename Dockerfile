# inventory-service: a multi-stage image. The build stage installs the locked dependencies and
# the project into a virtualenv with uv; the runtime stage is the slim base, that virtualenv and
# an unprivileged numeric user. Build: docker build -t inventory-service .

FROM python:3.11.13-slim-bookworm AS build

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN pip install --no-cache-dir uv==0.13.9

WORKDIR /src
# Dependencies first: this layer is reused until pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --extra postgres --no-install-project

# The licence goes into the wheel (pyproject: license-files) and so into the image.
COPY README.md LICENSE ./
COPY domain ./domain
COPY application ./application
COPY adapters ./adapters
COPY entrypoints ./entrypoints
RUN uv sync --locked --no-dev --extra postgres --no-editable


FROM python:3.11.13-slim-bookworm AS runtime

RUN groupadd --system --gid 10001 inventory \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin inventory \
    && mkdir /data \
    && chown 10001:10001 /data

COPY --from=build /opt/venv /opt/venv

# INVENTORY_WORKERS is read by `inventory serve` through the settings (exec-form CMD cannot
# expand variables). Secrets (INVENTORY_SECRET_KEY) and INVENTORY_DATABASE_URL come at run time.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    INVENTORY_ENV=production \
    INVENTORY_DATA_DIR=/data \
    INVENTORY_WORKERS=2

WORKDIR /data
USER 10001:10001
EXPOSE 8000

# No curl in the slim image: Python asks the liveness endpoint itself.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

# Migrations are a separate one-off command: docker run --rm IMAGE inventory db upgrade
CMD ["inventory", "serve", "--host", "0.0.0.0", "--port", "8000"]
