#!/usr/bin/env bash
# Builds the container image tagged with the release version: amtsbote:<version from package.json>, labelled with
# the OCI version, licence (EUPL-1.2), source (publiccode.yml's url) and git revision. Extra arguments go to the
# build (e.g. --push with buildx, --platform linux/arm64). IMAGE=registry.example/amtsbote names another
# repository; CONTAINER_CLI=podman uses Podman.
#   bash scripts/build-image.sh            # → amtsbote:0.1.0
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(node -p 'require("./package.json").version')"
source_url="$(sed -n 's/^url: *//p' publiccode.yml | tr -d "\"'" | head -n 1)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
image="${IMAGE:-amtsbote}"

if ! grep -q "^## \[${version//./\\.}\] - " CHANGELOG.md; then
  echo "build-image: CHANGELOG.md has no entry for ${version}" >&2
  exit 1
fi
if [ -n "$(git status --porcelain 2>/dev/null)" ]; then
  echo "build-image: the working tree has uncommitted changes; the image is labelled with ${revision} anyway" >&2
fi

echo "build-image: ${image}:${version} (revision ${revision})" >&2
"${CONTAINER_CLI:-docker}" build \
  --build-arg "VERSION=${version}" \
  --build-arg "SOURCE_URL=${source_url}" \
  --build-arg "REVISION=${revision}" \
  --tag "${image}:${version}" \
  "$@" .
