# coopfed: multi-stage image. Build: docker build -t coopfed .
# Run:   docker run -p 8000:8000 -v coopfed-data:/data \
#          -e COOPFED_COOP__NAME="My Co-op" -e COOPFED_COOP__HANDLE=mycoop \
#          -e COOPFED_SERVER__URL=https://coop.example coopfed
# On first start `coopfed serve` creates the schema, the co-op actor and its keys from the
# environment; later starts apply any new migrations. An admin: docker exec -i … coopfed admin create NAME

# bookworm pinned: its postgresql-client is 15, the compose file's server (pg_dump must be the
# server's major version or newer).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY coopfed ./coopfed
RUN python -m venv /opt/coopfed && /opt/coopfed/bin/pip install --no-cache-dir .

FROM python:3.11-slim-bookworm AS runtime
# pg_dump/pg_restore for `coopfed backup` and `restore` on PostgreSQL (Debian's client, 15).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin coopfed \
    && mkdir -p /data && chown coopfed /data
COPY --from=build /opt/coopfed /opt/coopfed
COPY migrations /opt/coopfed/migrations
ENV PATH="/opt/coopfed/bin:$PATH" \
    COOPFED_MIGRATIONS_DIR=/opt/coopfed/migrations \
    COOPFED_SERVER__DATA_DIR=/data \
    COOPFED_SERVER__HOST=0.0.0.0 \
    COOPFED_SERVER__PORT=8000 \
    PYTHONUNBUFFERED=1
USER coopfed
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
# The probe reads the port (and address) from the same settings as `serve`: COOPFED_SERVER__PORT
# (docker run -e …=9000) or server.port in a mounted config file (COOPFED_CONFIG). Only a port
# given as `serve --port` is invisible to it: set the port through the settings.
HEALTHCHECK --interval=30s --timeout=5s CMD ["coopfed", "healthcheck"]
ENTRYPOINT ["coopfed"]
CMD ["serve"]
