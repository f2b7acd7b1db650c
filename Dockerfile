# amtsbote: Node 24, runs as the unprivileged `node` user, root file system read-only at run time
# (see compose.yaml); only /app/data (a volume) and /tmp (tmpfs) are writable.

FROM node:24-bookworm-slim AS build
# The SQLite add-on builds from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    STORE_URL=sqlite:///app/data/amtsbote.sqlite \
    POLICY_FILE=/app/config/policy.yaml \
    MATRIX_CRYPTO_DIR=/app/data/matrix-crypto \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9464
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY config ./config
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 9464 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Mount the town's policy at /app/config/policy.yaml (compose.yaml does); without it the start stops and says so.
CMD ["node", "--max-semi-space-size=2", "adapters/main.ts"]
