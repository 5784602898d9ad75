#!/usr/bin/env bash
# The contract guard ./test.sh runs (buf.yaml at the repository root says which rules):
#   tools/buf/check.sh lint              buf lint of protos/
#   tools/buf/check.sh breaking [REF]    buf breaking of protos/ against REF's protos/ (default HEAD~1: the previous
#                                        commit; the first parent of a merge, so on main the whole merged branch),
#                                        except the breaks declared in tools/buf/accepted-breaks.txt
# Exit 0 pass, 1 fail, 3 skipped (breaking only: no such commit, e.g. a clone made with --depth 1; CI clones fully).
# Needs tools/buf/node_modules (npm ci in tools/buf; test.sh does it).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUF="$REPO/tools/buf/node_modules/.bin/buf"
cd "$REPO"
case "${1:-}" in
  lint)
    exec "$BUF" lint
    ;;
  breaking)
    ref="${2:-HEAD~1}"
    if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
      echo "buf breaking skipped: no commit $ref in this clone (shallow or first commit); nothing to compare with"
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
    [ "$rc" -eq 0 ] && exit 0
    # Breaks not declared in accepted-breaks.txt fail the check; declared ones are listed as accepted.
    printf '%s\n' "$found" | python3 tools/buf/filter_breaks.py tools/buf/accepted-breaks.txt
    ;;
  *)
    sed -n 2,7p "$0" >&2
    exit 2
    ;;
esac
