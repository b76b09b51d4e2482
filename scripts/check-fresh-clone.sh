#!/usr/bin/env bash
# Install hygiene, as a new user meets it: `git clone` → `npm install` must leave no
# modified or untracked file (`git status --porcelain` empty) and print no engine warning
# (EBADENGINE) and no unreviewed install script (npm's allowScripts). Clones HEAD of the
# repository this script lives in into a temporary folder; exits non-zero on any finding.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q --no-hardlinks "$repo" "$work/witness"
cd "$work/witness"
log="$work/npm-install.log"
if ! npm install --no-audit --no-fund >"$log" 2>&1; then
  cat "$log"; echo "fresh clone: npm install failed" >&2; exit 1
fi
status=0
if grep -E "EBADENGINE|install-scripts" "$log"; then
  echo "fresh clone: npm install printed the warnings above" >&2; status=1
fi
changed="$(git status --porcelain)"
if [ -n "$changed" ]; then
  echo "$changed"; git diff --stat
  echo "fresh clone: npm install left these files modified or untracked" >&2; status=1
fi
[ "$status" -eq 0 ] && echo "fresh clone: npm install is clean (no modified file, no warning)"
exit "$status"
