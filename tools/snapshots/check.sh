#!/usr/bin/env bash
# Rebuilds one provider's snapshot (derive step included) into a temporary copy and fails on any difference with the
# committed files. Usage: tools/snapshots/check.sh aws|gcp|azure   (test.sh runs it for each provider)
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
provider="$1"
case "$provider" in
  aws) service=Aws.Pricing; breadth=tests/Aws.Pricing.Tests/Data; args=(--derive) ;;
  gcp) service=Gcp.Pricing; breadth=tests/Gcp.Pricing.Tests/Data; args=(derive) ;;
  azure) service=Azure.Pricing; breadth=""; args=() ;;
  *) echo "unknown provider $provider" >&2; exit 2 ;;
esac
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/services/$service"
cp -r "$REPO/services/$service/Snapshot" "$tmp/services/$service/"
if [ -n "$breadth" ]; then mkdir -p "$tmp/$breadth" && cp -r "$REPO/$breadth/." "$tmp/$breadth/"; fi
python3 "$REPO/tools/snapshots/$provider/build_snapshot.py" "${args[@]}" --root "$tmp" >/dev/null
# Any file added, removed or changed by the rebuild is a difference.
diff -r "$REPO/services/$service/Snapshot" "$tmp/services/$service/Snapshot" | head -n 40 && status=0 || status=1
if [ -n "$breadth" ]; then diff -r "$REPO/$breadth" "$tmp/$breadth" | head -n 40 || status=1; fi
exit "$status"
