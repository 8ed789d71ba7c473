# One image for every Steam-Connect process; compose picks the command per service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first so code edits do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p shared services steam_connect \
    && touch shared/__init__.py services/__init__.py steam_connect/__init__.py \
    && pip install . \
    && pip uninstall -y steam-connect

COPY alembic.ini ./
COPY config ./config
COPY shared ./shared
COPY services ./services
COPY steam_connect ./steam_connect
COPY samples ./samples
RUN pip install --no-deps -e . \
    && useradd --system --uid 10001 --home-dir /app steam \
    && mkdir -p /app/var && chown steam /app/var

USER steam
EXPOSE 8001 8002 8003 8004
CMD ["steam-connect", "--help"]
