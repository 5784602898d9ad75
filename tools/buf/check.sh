#!/usr/bin/env bash
# The contract guard ./test.sh runs (buf.yaml at the repository root says which rules):
#   tools/buf/check.sh lint              buf lint of protos/
#   tools/buf/check.sh breaking [REF]    buf breaking of protos/ against REF's protos/ (default: the previous commit on
#                                        main: `git merge-base HEAD main` on a branch, HEAD~1 on main itself or with no
#                                        main ref), except the breaks declared in tools/buf/accepted-breaks.txt
# Exit 0 pass, 1 fail (a break not declared, buf failing or missing), 3 skipped (breaking only: no commit to compare
# with, e.g. the first commit or a clone made with --depth 1; CI clones fully).
# Needs tools/buf/node_modules (npm ci in tools/buf; test.sh does it).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUF="$REPO/tools/buf/node_modules/.bin/buf"
cd "$REPO"
if [ "${1:-}" = lint ] || [ "${1:-}" = breaking ]; then
  if [ ! -x "$BUF" ]; then
    echo "buf not found at $BUF: run npm ci in tools/buf (test.sh does it)" >&2
    exit 1
  fi
fi

# The commit whose protos/ are "before": the fork point from main on a branch, else the previous commit.
previous_commit() {
  local main head base
  head="$(git rev-parse --verify --quiet 'HEAD^{commit}')" || return 1
  for main in main origin/main; do
    base="$(git rev-parse --verify --quiet "$main^{commit}")" || continue
    if [ "$base" != "$head" ]; then
      base="$(git merge-base HEAD "$main")" || continue
      # HEAD behind main (its ancestor): compare with its own parent instead of itself.
      if [ "$base" != "$head" ]; then
        echo "$base"
        return 0
      fi
    fi
    break
  done
  git rev-parse --verify --quiet 'HEAD~1^{commit}'
}

case "${1:-}" in
  lint)
    exec "$BUF" lint
    ;;
  breaking)
    if [ -n "${2:-}" ]; then
      ref="$2"
      if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
        echo "buf breaking skipped: no commit $ref in this clone (shallow?); nothing to compare with"
        exit 3
      fi
    elif ! ref="$(previous_commit)"; then
      echo "buf breaking skipped: HEAD has no parent in this clone (first commit or shallow); nothing to compare with"
      exit 3
    fi
    against="$(mktemp -d)"
    trap 'rm -rf "$against"' EXIT
    # The previous commit's protos/ beside today's buf.yaml and vendored imports: it may predate both.
    git archive "$ref" protos | tar -x -C "$against"
    cp buf.yaml "$against/"
    mkdir -p "$against/tools/buf" && cp -r tools/buf/vendor "$against/tools/buf/"
    echo "buf breaking: protos/ against $ref ($(git rev-parse --short "$ref"))"
    set +e
    found="$("$BUF" breaking --against "$against" --error-format json)"
    rc=$?
    set -e
    case "$rc" in
      0) exit 0 ;;
      100)
        # buf found breaks: those not declared in accepted-breaks.txt fail the check, declared ones are listed.
        if [ -z "$found" ]; then
          echo "buf breaking exited 100 (breaks found) but printed none" >&2
          exit 1
        fi
        printf '%s\n' "$found" | python3 tools/buf/filter_breaks.py tools/buf/accepted-breaks.txt
        ;;
      *)
        printf '%s\n' "$found"
        echo "buf breaking failed (exit $rc), not a list of breaks: the check fails" >&2
        exit 1
        ;;
    esac
    ;;
  *)
    sed -n 2,8p "$0" >&2
    exit 2
    ;;
esac
