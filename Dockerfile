# One image for both roles: `web` (gunicorn) and `worker` (Celery); see docker-compose.yml.
FROM python:3.11-slim-bookworm

# The code runs from /app (PYTHONPATH), not site-packages: settings locate templates/ and
# static/ relative to config/, and those live only in /app.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    TOLLGATE_VAR_DIR=/app/var

# WeasyPrint loads Pango and HarfBuzz (incl. the subsetter) at runtime through cffi; every
# Python dependency ships as a wheel, so no compiler is needed. Noto (core and CJK) prints
# names in Latin, Greek, Cyrillic, Chinese, Japanese and Korean; DejaVu is the fallback.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
        fonts-noto-core fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes reuse this layer. With no
# packages beside it the project installs as metadata only: its code is the copy in /app.
COPY pyproject.toml /tmp/tollgate/
RUN pip install /tmp/tollgate && rm -rf /tmp/tollgate

COPY . .

# Settings refuse to load without SECRET_KEY when DEBUG is off; this one exists only for the
# build. Code stays root-owned (read-only to the app); only var/ is writable. A fresh named
# volume on var/media copies this ownership, so the worker can write PDFs there. The home
# directory gives fontconfig somewhere to keep its cache.
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 tollgate \
    && mkdir -p var/media \
    && chown -R tollgate:tollgate var
USER tollgate

EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint"]
# WEB_CONCURRENCY sets gunicorn's worker count; /dev/shm keeps its heartbeat files off overlayfs.
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
