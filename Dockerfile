# Swayam API server. Data (the SQLite database, the demo password) lives in /data;
# point SWAYAM_DATABASE_URL at PostgreSQL to run several containers.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system swayam \
    && useradd --system --gid swayam --home-dir /home/swayam --create-home swayam \
    && mkdir -p /data \
    && chown swayam:swayam /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY intents ./intents
COPY domain ./domain
COPY api ./api
COPY migrations ./migrations
RUN pip install . && rm -rf /app/build

USER swayam
ENV SWAYAM_DATA_DIR=/data \
    SWAYAM_HOST=0.0.0.0 \
    SWAYAM_PORT=8080
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; port = os.environ.get('SWAYAM_PORT', '8080'); sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2).status != 200)"]

# `serve` applies migrations before it listens.
CMD ["swayam", "serve"]
