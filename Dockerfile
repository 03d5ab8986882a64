# newsmon: the CLI, the Prefect flows and `newsmon serve`, on a slim Python 3.11 base.
# Built by docker-compose.yml; runs as an unprivileged user with `newsmon` as the entrypoint.
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

RUN groupadd --system --gid 10001 newsmon \
    && useradd --system --uid 10001 --gid newsmon --home-dir /app --shell /usr/sbin/nologin newsmon

WORKDIR /app

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when it changes ...
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# ... then newsmon itself (a code change reinstalls only this).
COPY README.md ./
COPY cli/ cli/
COPY composition/ composition/
COPY pipeline/ pipeline/
COPY flows/ flows/
COPY scrapers/ scrapers/
COPY processing/ processing/
COPY digests/ digests/
COPY storage/ storage/
RUN pip install . --no-deps

# Then the data the default settings point at (seeds/, config/ relative to /app).
COPY seeds/ seeds/
COPY config/ config/
RUN mkdir -p /app/data && chown newsmon:newsmon /app/data

USER newsmon
VOLUME ["/app/data"]
ENTRYPOINT ["newsmon"]
CMD ["--help"]
