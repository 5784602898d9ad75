#!/usr/bin/env bash
# Container health check without curl (the ASP.NET Core image has none): GET a path on the HTTP/1.1 port and
# succeed only on status 200.   probe.sh /health/live | /health/ready   (port: PROBE_PORT, default 8081)
set -euo pipefail
path="${1:-/health/live}"
port="${PROBE_PORT:-8081}"
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
read -r -t 3 _ status _ <&3
[ "$status" = "200" ]
