# amtsbote: Node 24, runs as the unprivileged `node` user, root file system read-only at run time
# (see compose.yaml); only /app/data (a volume) and /tmp (tmpfs) are writable.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
# The software bill of materials of exactly this production install (CycloneDX JSON), shipped beside the app.
COPY scripts/sbom.ts ./scripts/sbom.ts
RUN node scripts/sbom.ts /app/sbom.cdx.json
# scripts/build-image.sh passes the version from package.json; a mismatch stops the build.
ARG VERSION
RUN test -z "$VERSION" || node -e 'process.exit(require("./package.json").version === process.argv[1] ? 0 : 1)' "$VERSION" \
 || { echo "VERSION=$VERSION is not package.json's version" >&2; exit 1; }

FROM node:24-bookworm-slim
# Tag and labels: `bash scripts/build-image.sh` builds amtsbote:<version> with these set (see the README).
ARG VERSION
ARG SOURCE_URL
ARG REVISION
LABEL org.opencontainers.image.title="amtsbote" \
      org.opencontainers.image.description="Chat-ops bot for town halls: draft, approve and publish announcements to a WhatsApp Channel" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="EUPL-1.2" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.revision="${REVISION}"
ENV NODE_ENV=production \
    STORE_URL=sqlite:///app/data/amtsbote.sqlite \
    POLICY_FILE=/app/config/policy.yaml \
    MATRIX_CRYPTO_DIR=/app/data/matrix-crypto \
    OPS_HOST=0.0.0.0 \
    OPS_PORT=9464
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/sbom.cdx.json ./sbom.cdx.json
COPY package.json LICENSE ./
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
