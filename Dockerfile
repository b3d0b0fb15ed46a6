# syntax=docker/dockerfile:1
# The one image for web, worker and beat (docker-compose.yml picks the command).
# Build: docker build -t portfolio .   Run: see README.md, "Deploy with docker-compose".
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (invoice PDFs) needs Pango, HarfBuzz's subsetter and a font; the slim image
# has none of them.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, read from pyproject.toml, so a code change does not reinstall them.
# The project itself is not pip-installed: it runs from /app (settings find templates/,
# static/ and manage.py relative to the source tree).
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected (hashed and compressed for WhiteNoise) at build time. Settings
# demand these variables; nothing connects to them during collectstatic.
RUN DEBUG=false \
    SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    REDIS_URL=redis://127.0.0.1:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

# Run as an unprivileged user. /data holds uploads (MEDIA_ROOT); a named volume mounted
# there inherits this ownership on first use.
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portfolio \
    && mkdir -p /data/media \
    && chown -R portfolio:portfolio /data
USER portfolio

ENV DEBUG=false \
    MEDIA_ROOT=/data/media \
    PORT=8000
EXPOSE 8000

# /healthz is 200 only when the database, the broker and a Celery worker all answer. It
# must be asked with a host Django accepts: the first ALLOWED_HOSTS entry.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD \
    python -c "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': h}), timeout=8)"

CMD ["gunicorn", "portfolio.wsgi", "-c", "portfolio/gunicorn.conf.py"]
