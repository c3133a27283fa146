# Polku in a container: the same entrypoint a hosting provider runs without one, `polku serve-production`.
# UNTESTED HERE: no container engine runs on the machines Polku is developed on (README, "Operations").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLKU_VAR_DIR=/var/lib/polku PORT=8000
WORKDIR /app

# WeasyPrint (the monthly report's PDF) lays out text with Debian's Pango and subsets fonts with HarfBuzz; DejaVu is
# the report's font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# The pinned, hash-checked dependencies first (a layer that changes only with requirements.lock).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e . \
    && useradd --system --home-dir /var/lib/polku --create-home polku \
    && chown -R polku /var/lib/polku
USER polku
VOLUME ["/var/lib/polku"]
EXPOSE 8000

# Liveness (no database); the platform's readiness probe should use /terveys/valmis/.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/terveys/' % os.environ.get('PORT', '8000'), timeout=4)"

ENTRYPOINT ["polku", "serve-production"]
