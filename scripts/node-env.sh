# Source this file: puts Node.js >= 22.20 first on PATH.
# Where the machine's node is older, installs the npm registry's node@24 into .node/ (git-ignored).
_amtsbote_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_amtsbote_node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 22 || (maj === 22 && min >= 20) ? 0 : 1);'
}
_amtsbote_local="$_amtsbote_root/.node/node_modules/node"
if [ -x "$_amtsbote_local/bin/node" ]; then
  PATH="$_amtsbote_local/bin:$PATH"
elif ! _amtsbote_node_ok; then
  echo "node-env: node $(node --version 2>/dev/null || echo missing) is older than 22.20; installing node@24 into .node/" >&2
  npm install --prefix "$_amtsbote_root/.node" --no-save --no-audit --no-fund --loglevel=error node@24 >&2 || return 1 2>/dev/null || exit 1
  PATH="$_amtsbote_local/bin:$PATH"
fi
export PATH
unset _amtsbote_root _amtsbote_local
unset -f _amtsbote_node_ok
