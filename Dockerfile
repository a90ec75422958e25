# ARTops image: gunicorn serves the app and whitenoise its static files.
# The same image runs the Celery worker and beat; see docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, so that a change of code does not reinstall them.
# Every runtime dependency installs from a wheel: no compiler, no libpq-dev.
COPY requirements.txt .
RUN pip install --requirement requirements.txt

# The app runs as a system user that owns none of the files it could be tricked into rewriting.
RUN useradd --system --no-create-home --shell /usr/sbin/nologin artops

COPY . .

# Static files are collected into the image under hashed names (the manifest storage).
# Settings need a secret key and service URLs to load; these build-time values are thrown away
# with this layer's environment, and collectstatic connects to neither service.
RUN DEBUG=false \
    STATIC_MANIFEST=true \
    SECRET_KEY=build-time-only-collectstatic-never-used-to-sign-anything \
    DATABASE_URL=postgres://build@localhost:5432/build \
    REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

USER artops
EXPOSE 8000

# gunicorn as configured in artops/gunicorn_conf.py: threaded workers on 0.0.0.0:8000,
# WEB_CONCURRENCY processes (default 2) of WEB_THREADS threads (default 8).
CMD ["gunicorn", "artops.wsgi", "--config", "python:artops.gunicorn_conf"]
