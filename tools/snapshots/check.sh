#!/usr/bin/env bash
# Rebuilds one provider's snapshot (derive step included) into a temporary copy and fails on any difference with the
# committed files. Usage: tools/snapshots/check.sh PROVIDER, a folder of tools/snapshots/ holding build_snapshot.py
# and snapshot.conf (its service folder, breadth folder and builder arguments). test.sh runs it for every such folder.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
provider="${1:-}"
conf="$REPO/tools/snapshots/$provider/snapshot.conf"
if [ -z "$provider" ] || [ ! -f "$conf" ] || [ ! -f "$REPO/tools/snapshots/$provider/build_snapshot.py" ]; then
  echo "no tools/snapshots/$provider/snapshot.conf and build_snapshot.py for provider '$provider'" >&2
  exit 2
fi
service="" breadth="" args=()
while IFS='=' read -r key value; do
  case "$key" in
    SERVICE) service="$value" ;;
    BREADTH) breadth="$value" ;;
    ARGS) read -r -a args <<<"$value" ;;
    ''|'#'*) ;;
    *) echo "$conf: unknown key $key" >&2; exit 2 ;;
  esac
done <"$conf"
if [ -z "$service" ] || [ ! -d "$REPO/services/$service/Snapshot" ]; then
  echo "$conf: SERVICE must name a folder of services/ with a Snapshot/" >&2
  exit 2
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/services/$service"
cp -r "$REPO/services/$service/Snapshot" "$tmp/services/$service/"
if [ -n "$breadth" ]; then mkdir -p "$tmp/$breadth" && cp -r "$REPO/$breadth/." "$tmp/$breadth/"; fi
python3 "$REPO/tools/snapshots/$provider/build_snapshot.py" ${args[@]+"${args[@]}"} --root "$tmp" >/dev/null
# Any file added, removed or changed by the rebuild is a difference.
diff -r "$REPO/services/$service/Snapshot" "$tmp/services/$service/Snapshot" | head -n 40 && status=0 || status=1
if [ -n "$breadth" ]; then diff -r "$REPO/$breadth" "$tmp/$breadth" | head -n 40 || status=1; fi
exit "$status"
