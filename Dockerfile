# syntax=docker/dockerfile:1
# The image of any of the five services: they differ only in their workspace and ops port, so one file
# serves all and cannot drift. The build context is the repository root (the service needs shared/ and
# the workspace lockfile):
#   docker build --build-arg SERVICE=consumer-service --build-arg HTTP_PORT=9462 -t spotify-pipeline/consumer-service .
# SERVICE and HTTP_PORT: producer-service 9461, consumer-service 9462, etl-worker 9463, catalog-sync 9464,
# insights-service 9465 (docker-compose.yml passes them; `npm run validate:deploy` checks each instance).
# A service may import other workspaces besides shared (insights-service: etl-worker's validator and
# catalog-sync's query engines); WORKSPACE_DEPS below reads them from its package.json, so the image
# carries exactly those and no list here can drift.
ARG NODE_IMAGE=node:22-bookworm-slim
ARG SERVICE
ARG HTTP_PORT

# ---- deps: production node_modules for the service and shared only --------------------------------
# @confluentinc/kafka-javascript compiles librdkafka here, linked to Debian's OpenSSL, zstd, lz4,
# SASL and curl, so security updates come from the distribution rather than a vendored copy.
FROM ${NODE_IMAGE} AS deps
ARG SERVICE
RUN test -n "${SERVICE}" || { echo 'build with --build-arg SERVICE=<producer-service|consumer-service|etl-worker|catalog-sync|insights-service>' >&2; exit 1; }
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 make g++ pkg-config \
      zlib1g-dev libssl-dev libzstd-dev libcurl4-openssl-dev libsasl2-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*
ENV CKJS_LINKING=dynamic \
    npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local
WORKDIR /app
# Every workspace manifest is needed for `npm ci` to check the lockfile; only shared, the service and
# the workspaces it imports are installed.
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY testkit/package.json testkit/
COPY producer-service/package.json producer-service/
COPY consumer-service/package.json consumer-service/
COPY etl-worker/package.json etl-worker/
COPY catalog-sync/package.json catalog-sync/
COPY insights-service/package.json insights-service/
COPY bench/package.json bench/
# Adds consumeColumns to the Kafka client's addon and rebuilds only the binding (native/kafka-consume-columns):
# run explicitly after npm ci, and present before it in case npm runs the root postinstall too.
COPY native native
# The workspaces' own node_modules (what npm could not hoist) are gathered under /modules for the runtime.
RUN WORKSPACE_DEPS=$(node -p "Object.keys(require('./${SERVICE}/package.json').dependencies || {}).filter((n) => n.startsWith('@spotify-pipeline/') && n !== '@spotify-pipeline/shared').map((n) => n.split('/')[1]).join(' ')") \
 && npm ci --omit=dev --no-audit --no-fund -w shared -w ${SERVICE} $(for w in $WORKSPACE_DEPS; do printf -- '-w %s ' "$w"; done) \
 && node native/kafka-consume-columns/apply.cjs \
 && for w in shared ${SERVICE} $WORKSPACE_DEPS; do mkdir -p "/modules/$w/node_modules" && if [ -d "$w/node_modules" ]; then cp -a "$w/node_modules/." "/modules/$w/node_modules/"; fi; done

# ---- build: TypeScript → dist (dev dependencies, no native builds needed to type-check) --------
FROM ${NODE_IMAGE} AS build
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY shared/package.json shared/
COPY testkit/package.json testkit/
COPY producer-service/package.json producer-service/
COPY consumer-service/package.json consumer-service/
COPY etl-worker/package.json etl-worker/
COPY catalog-sync/package.json catalog-sync/
COPY insights-service/package.json insights-service/
COPY bench/package.json bench/
RUN WORKSPACE_DEPS=$(node -p "Object.keys(require('./${SERVICE}/package.json').dependencies || {}).filter((n) => n.startsWith('@spotify-pipeline/') && n !== '@spotify-pipeline/shared').map((n) => n.split('/')[1]).join(' ')") \
 && npm ci --ignore-scripts --no-audit --no-fund --include-workspace-root -w shared -w ${SERVICE} $(for w in $WORKSPACE_DEPS; do printf -- '-w %s ' "$w"; done)
COPY tsconfig.base.json ./
COPY shared/tsconfig.json shared/
COPY shared/src shared/src
# The built-in table specs (listening_events, tracks): read at start beside dist/.
COPY shared/specs shared/specs
# The workspaces a service may import (tsc -b builds only those its tsconfig references).
COPY etl-worker/tsconfig.json etl-worker/
COPY etl-worker/src etl-worker/src
COPY catalog-sync/tsconfig.json catalog-sync/
COPY catalog-sync/src catalog-sync/src
# The service's own folder: tsconfig, src, and what it serves besides code (insights-service: web/, the live page).
COPY ${SERVICE} ${SERVICE}
RUN WORKSPACE_DEPS=$(node -p "Object.keys(require('./${SERVICE}/package.json').dependencies || {}).filter((n) => n.startsWith('@spotify-pipeline/') && n !== '@spotify-pipeline/shared').map((n) => n.split('/')[1]).join(' ')") \
 && npx tsc -b ${SERVICE} \
 && for w in shared ${SERVICE} $WORKSPACE_DEPS; do mkdir -p "/out/$w" && cp -a "$w/package.json" "$w/dist" "/out/$w/" && for d in web specs; do if [ -d "$w/$d" ]; then cp -a "$w/$d" "/out/$w/"; fi; done; done \
 && find /out -name '*.tsbuildinfo' -delete

# ---- runtime: Node, the shared libraries librdkafka links to, compiled JS; no compilers --------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG HTTP_PORT
RUN test -n "${HTTP_PORT}" || { echo 'build with --build-arg HTTP_PORT=<the service ops port, 9461..9465>' >&2; exit 1; }
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates zlib1g libssl3 libzstd1 libsasl2-2 liblz4-1 libcurl4 \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    HTTP_PORT=${HTTP_PORT}
WORKDIR /app
# Owned by root and read-only to the service user: the process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /modules/ ./
COPY --from=build /out/ ./
WORKDIR /app/${SERVICE}
# The node image's unprivileged user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE ${HTTP_PORT}
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself; runService drains and exits.
CMD ["node", "dist/main.js"]
