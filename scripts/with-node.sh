#!/usr/bin/env bash
# Runs a command with Node.js >= 22.20 first on PATH (scripts/node-env.sh; on an older machine it installs node@24
# into .node/ the first time). The npm scripts run through it, so `npm start` and `npm test` work whatever node
# the machine has.
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh" || exit 1
exec "$@"
