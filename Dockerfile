# The recovery bot's image: the Rasa server, the action server and the trained model in one
# image (docs/kubernetes.md). Build it from the repository root:
#
#   docker build -t recovery-bot:$(git rev-parse --short HEAD) .
#
# The model is trained while building, so every replica started from one tag serves the same
# model. Both servers run from this image; the Kubernetes manifests in deploy/ choose the
# command (Rasa server by default, `python -m actions` for the action server).

# 1. The web widget and the staff dashboard bundles (web/, `make widget`).
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY web/src ./src
RUN npm run --silent build

# 2. Python 3.10 (Rasa 3.6 does not install on 3.11), the pinned runtime packages, the model.
FROM python:3.10-slim AS bot
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RECOVERY_BOT_VAR_DIR=/app/var/run \
    HOME=/app/var/run \
    SPACY_MODEL_DIR=/app/var/spacy/en_recovery \
    LOG_FORMAT=json
WORKDIR /app

# Only what runs the bot: runtime.in, at the exact versions of the lock (no test tools).
COPY requirements/ requirements/
RUN pip install -c requirements/lock.txt -r requirements/runtime.in

COPY bot/ bot/
COPY actions/ actions/
COPY rasa_addons/ rasa_addons/
COPY data/ data/
COPY config.yml domain.yml endpoints.yml credentials.yml ./
COPY web/demo/ web/demo/
COPY web/src/dashboard/index.html web/src/dashboard/index.html
COPY --from=web /src/web/build/ web/build/

# The spaCy pipeline from bot/nlp (config.yml loads it from var/spacy/en_recovery at run
# time too), then the Rasa model (a few minutes).
RUN python -m bot build-nlp var/spacy/en_recovery \
    && python -m rasa_addons train --fixed-model-name recovery-bot --out models \
    && rm -rf .rasa var/run

# The only writable folder: /app/var/run (SQLite defaults, Rasa's home); /app/var/spacy stays read-only.
RUN useradd --uid 10001 --no-create-home --home-dir /app/var/run bot \
    && mkdir -p /app/var/run \
    && chown 10001:10001 /app/var/run
USER 10001

EXPOSE 5005 5055
CMD ["python", "-m", "rasa_addons", "run", "--model", "models/recovery-bot.tar.gz", \
     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml", "--port", "5005"]
