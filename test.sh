#!/usr/bin/env bash
# The project's single "run all tests" command (also what .ci/run calls).
#
#   ./test.sh [extra dotnet test args...]
#
# What it does, from any cwd, as root (or with sudo) on Debian 12 without systemd:
#   1. Installs with apt-get only what is missing, each on its own line (all before starting any server):
#      redis-server, rabbitmq-server, chromium (browser tests), python3-pika (the pika subscriber test); Debian's nodejs/npm only when node/npm are
#      absent (never replacing the image's). A failed install or start prints the tail of its log to stderr.
#      Also docker-compose and kubectl (Debian's kubernetes-client) for the deployment checks, and deploy/validate's
#      npm packages (npm ci).
#   1b. Deployment checks, offline (no engine, no cluster): `docker-compose config` of docker-compose.yml (with
#      .env.example), `kubectl kustomize` of every k8s/overlays/*, each overlay's objects against the Kubernetes
#      schemas (deploy/validate/validate-k8s.mjs; custom resources skipped and listed). They count in the closing
#      line and get a line of their own.
#   1c. Contract and data checks, offline: `buf lint` of protos/ and `buf breaking` against the protos/ of the
#      previous commit on main (the fork point on a branch; tools/buf/check.sh; npm @bufbuild/buf pinned in
#      tools/buf; a declared break is listed in tools/buf/accepted-breaks.txt; buf missing or failing fails; with no
#      previous commit in the clone, breaking is skipped and counted as skipped), and the snapshot of each provider
#      folder of tools/snapshots/ rebuilt by its builder (tools/snapshots/check.sh: derive and build into a temporary
#      folder, any difference with the committed files fails). Each counts in the closing line and gets a line.
#      PRICING_TEST_DEPLOY_ONLY=1 runs only 1b and 1c (and their installs).
#   2. Unless the caller already set PRICING_TEST_REDIS: starts a throwaway Redis on 127.0.0.1
#      (port 6379 if free, else another) under .test-servers/redis.
#   3. Unless the caller already set PRICING_TEST_RABBITMQ: starts a clean RabbitMQ node
#      (rabbit@localhost, management API on 15672), or reuses a broker already answering on 5672,
#      and creates a fresh vhost for this run.
#   4. Exports the PRICING_TEST_* variables below, runs `dotnet test` on $PRICING_TEST_TARGET (a solution or project;
#      default: every project of Pricing.slnx but the fault tests, through a copy of it without them written to
#      .test-servers/), then the fault tests (tests/Resilience.Tests: they stop and restart the servers, so they run
#      alone; PRICING_TEST_SKIP_FAULTS=1 skips them), then the cluster suite (tests/Cluster.Tests: it starts its own
#      3-node RabbitMQ cluster, Redis with Sentinels and the services as processes on loopback, and kills them; a stage
#      of its own; PRICING_TEST_SKIP_CLUSTER=1 skips it; its figures go to .test-servers/cluster-figures-*.log unless
#      PRICING_TEST_FIGURES names a file), logs to .test-servers/dotnet-test-*.log, stops what it started, and prints
#      one closing line: `N passed, N failed, N skipped`, summed over every stage.
#      PRICING_TEST_TARGET=tests/Cluster.Tests/Cluster.Tests.csproj runs the cluster suite alone (no single-node
#      broker or Redis is started for it).
#   Each dotnet test stage has a time limit (PRICING_TEST_STAGE_MINUTES, default 25; the fault tests and the cluster
#   suite 15 each): a stage that hangs is killed with its test host (its whole process group) and fails the run
#   with a line saying so, instead of holding the run until CI's own limit.
#   Exit code is non-zero if the build or any test failed, or if no test ran.
#
# Variables seen by the tests:
#   PRICING_TEST_REDIS                 host:port (StackExchange.Redis configuration string)
#   PRICING_TEST_REDIS_PREFIX          per-run key prefix, e.g. pricing-test-1764345600-1234:
#   PRICING_TEST_REDIS_PORT            the port
#   PRICING_TEST_REDIS_PIDFILE         only when this script started Redis (fault tests may stop/restart it)
#   PRICING_TEST_RABBITMQ              amqp://guest:guest@127.0.0.1:5672/<per-run vhost>
#   PRICING_TEST_RABBITMQ_MANAGEMENT   http://guest:guest@127.0.0.1:15672
#   PRICING_TEST_RABBITMQ_PIDFILE      only when this script started the node (fault tests may stop/restart it)
#
# CI: this script does NOT set CI. The CI runner sets CI=true, and with CI set the test fixtures in
# tests/Pricing.Testing turn "no Redis/RabbitMQ available" from a skip into a failure.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CALLER_PWD="$PWD"
cd "$REPO"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

SERVERS_DIR="$REPO/.test-servers"
mkdir -p "$SERVERS_DIR"
RUN_ID="pricing-test-$(date +%s)-$$"
SETUP_LOG="$SERVERS_DIR/setup-$RUN_ID.log"
# Keep the logs of the last 10 runs only.
ls -1t "$SERVERS_DIR"/setup-pricing-test-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f -- || true
ls -1t "$SERVERS_DIR"/dotnet-test-pricing-test-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f -- || true
ls -1t "$SERVERS_DIR"/deploy-checks-pricing-test-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f -- || true
ls -1t "$SERVERS_DIR"/checks-pricing-test-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f -- || true
ls -1t "$SERVERS_DIR"/cluster-figures-pricing-test-*.log 2>/dev/null | tail -n +10 | xargs -r rm -f -- || true
: >"$SETUP_LOG"

log() { printf 'test.sh: %s\n' "$*" | tee -a "$SETUP_LOG" >&2; }
# The logs live in the clone, which CI throws away: on a failed install or start, the reason goes to stderr too.
print_log_tail() { # file [lines]
  local f="$1" n="${2:-40}"
  [ -r "$f" ] || as_root test -r "$f" || return 0
  printf 'test.sh: ---- last %s lines of %s ----\n' "$n" "$f" >&2
  as_root tail -n "$n" "$f" >&2 || true
  printf 'test.sh: ---- end of %s ----\n' "$f" >&2
}
fail_with_log() { # message file...
  local msg="$1" f
  shift
  log "$msg, see $*"
  for f in "$@"; do print_log_tail "$f"; done
  exit 1
}
now() { date +%s.%N; }
# Runs a dotnet test stage under a time limit: timeout(1) signals its whole process group, so the test host goes too.
# 124 (or 137 after the KILL) means the limit was reached; the caller's log line says so.
STAGE_LIMIT_RC=124
staged() { # minutes command...
  local minutes="$1"
  shift
  timeout --kill-after=30 "$((minutes * 60))" "$@"
}
stage_verdict() { # rc stage-name minutes
  if [ "$1" -eq "$STAGE_LIMIT_RC" ] || [ "$1" -eq 137 ]; then
    log "FAILED: $2 did not finish within $3 minutes (killed; the last test started is the one that hung: see the log)"
  fi
}
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Run a command as root: directly when root, through sudo otherwise (keeping the variables the tools need).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo --preserve-env=DEBIAN_FRONTEND,RABBITMQ_NODENAME,RABBITMQ_NODE_IP_ADDRESS,PATH "$@"
  else
    log "need root (or sudo) for: $*"
    return 1
  fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---------------------------------------------------------------------------------------------------------------
# Cleanup: stops only what this script started, by pid.
# ---------------------------------------------------------------------------------------------------------------
STARTED_REDIS_PIDFILE=""
STARTED_RABBIT_PIDFILE=""
EPMD_BEFORE=""
REUSED_RABBIT_VHOST=""
CLEANED_UP=0
STOPPED_PIDS=""

epmd_pids_of_rabbitmq() {
  local d pid
  for d in /proc/[0-9]*; do
    pid="${d#/proc/}"
    [ "$(cat "$d/comm" 2>/dev/null || true)" = "epmd" ] || continue
    [ "$(stat -c %U "$d" 2>/dev/null || true)" = "rabbitmq" ] || continue
    echo "$pid"
  done
}

# Alive and not a zombie (an exited daemon whose parent has not reaped it yet counts as gone).
pid_alive() {
  [ -e "/proc/$1" ] || return 1
  [ "$(sed -n 's/^.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null || true)" != "Z" ]
}

wait_pid_gone() { # pid seconds
  local pid="$1" deadline=$((SECONDS + $2))
  while pid_alive "$pid"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

cleanup() {
  [ "$CLEANED_UP" -eq 0 ] || return 0
  CLEANED_UP=1
  set +e
  if [ -n "$STARTED_REDIS_PIDFILE" ] && [ -s "$STARTED_REDIS_PIDFILE" ]; then
    local rpid
    rpid="$(cat "$STARTED_REDIS_PIDFILE")"
    log "stopping redis-server (pid $rpid)"
    kill -TERM "$rpid" 2>/dev/null || as_root kill -TERM "$rpid" 2>/dev/null
    wait_pid_gone "$rpid" 10 || { log "redis-server $rpid did not stop, KILL"; as_root kill -KILL "$rpid" 2>/dev/null; }
    STOPPED_PIDS="$STOPPED_PIDS $rpid"
  fi
  if [ -n "$STARTED_RABBIT_PIDFILE" ]; then
    local bpid=""
    bpid="$(as_root cat "$STARTED_RABBIT_PIDFILE" 2>/dev/null)"
    if [ -n "$bpid" ]; then
      local t0
      t0="$(now)"
      log "stopping rabbitmq node (pid $bpid)"
      as_root kill -TERM "$bpid" 2>/dev/null
      if wait_pid_gone "$bpid" 20; then
        log "rabbitmq node stopped in $(since "$t0") s"
      else
        log "rabbitmq node $bpid still running after 20 s, KILL"
        as_root kill -KILL "$bpid" 2>/dev/null
        wait_pid_gone "$bpid" 5
      fi
      STOPPED_PIDS="$STOPPED_PIDS $bpid"
    fi
    # epmd is started by the node and outlives it; stop the one(s) that appeared with our node.
    local epid
    for epid in $(epmd_pids_of_rabbitmq); do
      case " $EPMD_BEFORE " in *" $epid "*) continue ;; esac
      log "stopping epmd (pid $epid)"
      as_root kill -TERM "$epid" 2>/dev/null
      wait_pid_gone "$epid" 5 || as_root kill -KILL "$epid" 2>/dev/null
      STOPPED_PIDS="$STOPPED_PIDS $epid"
    done
  fi
  if [ -n "$REUSED_RABBIT_VHOST" ]; then
    log "deleting vhost $REUSED_RABBIT_VHOST from the reused broker"
    delete_vhost "$REUSED_RABBIT_VHOST" >>"$SETUP_LOG" 2>&1 || log "could not delete vhost $REUSED_RABBIT_VHOST"
  fi
  # Exited daemons linger as zombies until init reaps them; give that a moment so `ps` is clean afterwards.
  local p deadline=$((SECONDS + 3))
  for p in $STOPPED_PIDS; do
    while [ -e "/proc/$p" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  done
  set -e
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------------------
# 1. Install (everything before starting anything)
# ---------------------------------------------------------------------------------------------------------------
NEED_REDIS=0
NEED_RABBIT=0
DEPLOY_ONLY="${PRICING_TEST_DEPLOY_ONLY:-0}"
CLUSTER_PROJECT="tests/Cluster.Tests/Cluster.Tests.csproj"
# The cluster suite alone starts its own servers (tests/Cluster.Tests/PricingSystem.cs): no single-node ones for it.
CLUSTER_ONLY=0
case "${PRICING_TEST_TARGET:-}" in
  "$CLUSTER_PROJECT" | "./$CLUSTER_PROJECT" | "$REPO/$CLUSTER_PROJECT" | tests/Cluster.Tests | tests/Cluster.Tests/ | "$REPO/tests/Cluster.Tests") CLUSTER_ONLY=1 ;;
esac
if [ "$DEPLOY_ONLY" != "1" ] && [ "$CLUSTER_ONLY" != "1" ]; then
  [ -n "${PRICING_TEST_REDIS:-}" ] || NEED_REDIS=1
  [ -n "${PRICING_TEST_RABBITMQ:-}" ] || NEED_RABBIT=1
fi

# Each package is installed only when its command is missing, and on its own apt-get line: a conflict in one
# (Debian's npm refuses the image's nodesource nodejs: "nodejs : Conflicts: npm") must not block the others.
# The image's node and npm are never replaced.
APT_UPDATED=0
apt_install() { # package... (installed together only when they belong together)
  local t0
  t0="$(now)"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update >>"$SETUP_LOG" 2>&1 || fail_with_log "apt-get update failed" "$SETUP_LOG"
    APT_UPDATED=1
  fi
  log "installing $* with apt-get"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$SETUP_LOG" 2>&1 ||
    fail_with_log "apt-get install $* failed" "$SETUP_LOG"
  log "installed $* in $(since "$t0") s"
}

MISSING_SERVERS=()
# The cluster suite runs Debian's redis-server (its Sentinels too, as `redis-server --sentinel`) and rabbitmq-server.
if [ "$NEED_REDIS" -eq 1 ] || [ "$NEED_RABBIT" -eq 1 ] || { [ "$DEPLOY_ONLY" != "1" ] && [ "${PRICING_TEST_SKIP_CLUSTER:-0}" != "1" ]; }; then
  command -v redis-server >/dev/null 2>&1 || MISSING_SERVERS+=(redis-server)
  command -v rabbitmq-server >/dev/null 2>&1 || MISSING_SERVERS+=(rabbitmq-server)
fi
[ "${#MISSING_SERVERS[@]}" -eq 0 ] || apt_install "${MISSING_SERVERS[@]}"

# The dashboard's browser tests drive Debian's Chromium (and npm installs playwright-core for them, in the test).
[ "$DEPLOY_ONLY" = "1" ] || command -v chromium >/dev/null 2>&1 || apt_install chromium
# The pika subscriber test (PriceChanges.Tests): Debian's python3 with Debian's python3-pika, a non-.NET client of
# the topic contract (/usr/bin/python3: a python3 earlier on PATH may not see Debian's packages).
[ "$DEPLOY_ONLY" = "1" ] || /usr/bin/python3 -c 'import pika' >/dev/null 2>&1 || apt_install python3-pika
# The deployment checks (1b): Debian's docker-compose (1.29: `config` validates without a daemon) and kubectl (the
# image's, else Debian's kubernetes-client, whose kubectl bundles kustomize 2.0: k8s/ is written for both).
command -v docker-compose >/dev/null 2>&1 || apt_install docker-compose
command -v kubectl >/dev/null 2>&1 || apt_install kubernetes-client
# node and npm: Debian's only where the machine has none. With node present but npm absent, Debian's npm would
# fight whatever installed that node, so stop with the reason instead of replacing either.
if ! command -v node >/dev/null 2>&1; then
  if command -v npm >/dev/null 2>&1; then apt_install nodejs; else apt_install nodejs npm; fi
elif ! command -v npm >/dev/null 2>&1; then
  log "node $(node --version 2>/dev/null) is installed but npm is not; install the npm that belongs to that node" \
    "(this script will not replace it with Debian's, which conflicts with non-Debian nodejs builds)"
  exit 1
fi

# ---------------------------------------------------------------------------------------------------------------
# 1b. Deployment checks: the compose file and every kustomize overlay, validated offline. A failed check counts as a
#     failed test in the closing line (and fails the run); the checks also get a line of their own.
# ---------------------------------------------------------------------------------------------------------------
DEPLOY_PASSED=0
DEPLOY_FAILED=0
DEPLOY_LOG="$SERVERS_DIR/deploy-checks-$RUN_ID.log"
: >"$DEPLOY_LOG"
deploy_check() { # description command...
  local what="$1"
  shift
  if "$@" >>"$DEPLOY_LOG" 2>&1; then
    DEPLOY_PASSED=$((DEPLOY_PASSED + 1))
    log "deployment check passed: $what"
  else
    DEPLOY_FAILED=$((DEPLOY_FAILED + 1))
    log "deployment check FAILED: $what"
  fi
}
# npm packages pinned by a lock file, installed once per lock file: deploy/validate's (the schema checks) and
# tools/buf's (@bufbuild/buf for the contract checks). `probe` is a path that exists once the install is complete.
npm_ci_once() { # dir probe what-fails-without-it
  local dir="$1" probe="$2" consequence="$3" t0
  if [ -e "$dir/$probe" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.installed"; then
    return 0
  fi
  t0="$(now)"
  if (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >>"$SETUP_LOG" 2>&1; then
    cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.json.installed"
    log "npm ci $dir in $(since "$t0") s"
  else
    print_log_tail "$SETUP_LOG"
    log "npm ci $dir failed: $consequence"
  fi
}
npm_ci_once deploy/validate node_modules/kubernetes-models "the schema checks will fail"
npm_ci_once tools/buf node_modules/.bin/buf "the buf checks will fail"
DEPLOY_TMP="$(mktemp -d)"
t0="$(now)"
deploy_check "docker-compose config (docker-compose.yml with .env.example)" \
  docker-compose --env-file .env.example -f docker-compose.yml config -q
deploy_check "docker-compose config (with deploy/compose.grafana.yml)" \
  docker-compose --env-file .env.example -f docker-compose.yml -f deploy/compose.grafana.yml config -q
deploy_check "schema validator self-test (rejects a wrong type, an unknown field, an unknown kind)" \
  node deploy/validate/validate-k8s.mjs --self-test
# kustomize reads each overlay's Secrets from gitignored files: build a copy where the committed examples stand in
# for any that are missing.
cp -r k8s "$DEPLOY_TMP/k8s"
for example in "$DEPLOY_TMP"/k8s/overlays/*/secrets/*.example; do
  if [ -e "$example" ] && [ ! -e "${example%.example}" ]; then cp "$example" "${example%.example}"; fi
done
for overlay in "$DEPLOY_TMP"/k8s/overlays/*/; do
  name="$(basename "$overlay")"
  deploy_check "kubectl kustomize k8s/overlays/$name" \
    sh -c 'kubectl kustomize "$1" >"$2"' _ "$overlay" "$DEPLOY_TMP/$name.yaml"
  deploy_check "k8s/overlays/$name against the Kubernetes schemas" \
    node deploy/validate/validate-k8s.mjs "$name=$DEPLOY_TMP/$name.yaml"
done
rm -rf -- "$DEPLOY_TMP"
log "deployment checks: $DEPLOY_PASSED of $((DEPLOY_PASSED + DEPLOY_FAILED)) passed in $(since "$t0") s ($(kubectl version --client 2>/dev/null | head -n 1 | cut -c 1-60); $(docker-compose version --short 2>/dev/null || true); details: $DEPLOY_LOG)"
if [ "$DEPLOY_FAILED" -gt 0 ]; then
  print_log_tail "$DEPLOY_LOG" 60
fi

# ---------------------------------------------------------------------------------------------------------------
# 1c. Contract and data checks: buf lint, buf breaking, and every snapshot rebuilt from its sources. Counted like tests.
# ---------------------------------------------------------------------------------------------------------------
CHECK_PASSED=0
CHECK_FAILED=0
CHECK_SKIPPED=0
CHECK_LOG="$SERVERS_DIR/checks-$RUN_ID.log"
: >"$CHECK_LOG"
offline_check() { # description command... (exit 0 pass, 3 skipped, anything else failed)
  local what="$1" rc t1
  shift
  t1="$(now)"
  printf '== %s\n' "$what" >>"$CHECK_LOG"
  set +e
  "$@" >>"$CHECK_LOG" 2>&1
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    CHECK_PASSED=$((CHECK_PASSED + 1))
    log "check passed: $what ($(since "$t1") s)"
  elif [ "$rc" -eq 3 ]; then
    CHECK_SKIPPED=$((CHECK_SKIPPED + 1))
    log "check SKIPPED: $what: $(tail -n 1 "$CHECK_LOG")"
  else
    CHECK_FAILED=$((CHECK_FAILED + 1))
    log "check FAILED: $what ($(since "$t1") s)"
  fi
}
t0="$(now)"
offline_check "buf lint protos/ (buf.yaml)" tools/buf/check.sh lint
offline_check "buf breaking protos/ against the previous commit on main (declared: tools/buf/accepted-breaks.txt)" tools/buf/check.sh breaking
# Every provider folder of tools/snapshots/ (its snapshot.conf says what it rebuilds), so a new provider is checked too.
for folder in tools/snapshots/*/; do
  provider="$(basename "$folder")"
  offline_check "$provider snapshot rebuilt from its sources matches the committed one (tools/snapshots/$provider)" \
    tools/snapshots/check.sh "$provider"
done
log "contract and data checks: $CHECK_PASSED passed, $CHECK_FAILED failed, $CHECK_SKIPPED skipped in $(since "$t0") s (details: $CHECK_LOG)"
if [ "$CHECK_FAILED" -gt 0 ]; then
  print_log_tail "$CHECK_LOG" 60
fi
DEPLOY_PASSED=$((DEPLOY_PASSED + CHECK_PASSED))
DEPLOY_FAILED=$((DEPLOY_FAILED + CHECK_FAILED))

if [ "$DEPLOY_ONLY" = "1" ]; then
  echo "$DEPLOY_PASSED passed, $DEPLOY_FAILED failed, $CHECK_SKIPPED skipped"
  [ "$DEPLOY_FAILED" -eq 0 ]
  exit
fi

# ---------------------------------------------------------------------------------------------------------------
# 2. Redis
# ---------------------------------------------------------------------------------------------------------------
if [ "$NEED_REDIS" -eq 1 ]; then
  t0="$(now)"
  REDIS_DIR="$SERVERS_DIR/redis"
  mkdir -p "$REDIS_DIR"
  REDIS_PORT=""
  for candidate in 6379 $(seq 6380 6399) $(shuf -i 20000-40000 -n 20); do
    port_open "$candidate" && continue
    rm -f "$REDIS_DIR/redis.pid"
    redis-server --port "$candidate" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" >>"$SETUP_LOG" 2>&1 || continue
    for _ in $(seq 1 100); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$candidate" ping 2>/dev/null || true)" = "PONG" ] && [ -s "$REDIS_DIR/redis.pid" ]; then
        REDIS_PORT="$candidate"
        break
      fi
      sleep 0.1
    done
    if [ -n "$REDIS_PORT" ]; then
      STARTED_REDIS_PIDFILE="$REDIS_DIR/redis.pid"
      break
    fi
    # It did not come up on this port (lost a race for it?): make sure it is gone and try another.
    [ -s "$REDIS_DIR/redis.pid" ] && kill -TERM "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null || true
  done
  if [ -z "$REDIS_PORT" ]; then
    fail_with_log "could not start redis-server" "$REDIS_DIR/redis.log" "$SETUP_LOG"
  fi
  export PRICING_TEST_REDIS="127.0.0.1:$REDIS_PORT"
  export PRICING_TEST_REDIS_PORT="$REDIS_PORT"
  export PRICING_TEST_REDIS_PIDFILE="$STARTED_REDIS_PIDFILE"
  log "redis-server pid $(cat "$STARTED_REDIS_PIDFILE") on 127.0.0.1:$REDIS_PORT, ready in $(since "$t0") s"
elif [ "$CLUSTER_ONLY" = "1" ]; then
  log "cluster suite alone: no single-node Redis (it starts a primary, a replica and Sentinels of its own)"
else
  if [ -z "${PRICING_TEST_REDIS_PORT:-}" ]; then
    first="${PRICING_TEST_REDIS%%,*}"
    case "$first" in *:[0-9]*) export PRICING_TEST_REDIS_PORT="${first##*:}" ;; *) export PRICING_TEST_REDIS_PORT=6379 ;; esac
  fi
  log "using caller's Redis: $PRICING_TEST_REDIS"
fi
export PRICING_TEST_REDIS_PREFIX="${PRICING_TEST_REDIS_PREFIX:-$RUN_ID:}"

# ---------------------------------------------------------------------------------------------------------------
# 3. RabbitMQ
# ---------------------------------------------------------------------------------------------------------------
export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-rabbit@localhost}"
export RABBITMQ_NODE_IP_ADDRESS="${RABBITMQ_NODE_IP_ADDRESS:-127.0.0.1}"
MGMT_URL="http://guest:guest@127.0.0.1:15672"

# vhost management: rabbitmqctl against the local node, else the management HTTP API (curl).
create_vhost() {
  if as_root rabbitmqctl -q add_vhost "$1" && as_root rabbitmqctl -q set_permissions -p "$1" guest '.*' '.*' '.*'; then
    return 0
  fi
  command -v curl >/dev/null 2>&1 || return 1
  curl -fsS -u guest:guest -X PUT "http://127.0.0.1:15672/api/vhosts/$1" &&
    curl -fsS -u guest:guest -X PUT -H 'content-type: application/json' \
      -d '{"configure":".*","write":".*","read":".*"}' "http://127.0.0.1:15672/api/permissions/$1/guest"
}
delete_vhost() {
  as_root rabbitmqctl -q delete_vhost "$1" && return 0
  command -v curl >/dev/null 2>&1 || return 1
  curl -fsS -u guest:guest -X DELETE "http://127.0.0.1:15672/api/vhosts/$1"
}

if [ "$NEED_RABBIT" -eq 1 ]; then
  t0="$(now)"
  VHOST="$RUN_ID"
  if port_open 5672; then
    log "a broker already answers on 127.0.0.1:5672; reusing it with a fresh vhost"
    create_vhost "$VHOST" >>"$SETUP_LOG" 2>&1 || fail_with_log "could not create vhost $VHOST on the existing broker" "$SETUP_LOG"
    REUSED_RABBIT_VHOST="$VHOST"
  else
    MNESIA_BASE="${RABBITMQ_MNESIA_BASE:-/var/lib/rabbitmq/mnesia}"
    PIDFILE="$MNESIA_BASE/$RABBITMQ_NODENAME.pid"
    EPMD_BEFORE="$(epmd_pids_of_rabbitmq | tr '\n' ' ')"
    as_root rabbitmq-plugins --offline enable rabbitmq_management >>"$SETUP_LOG" 2>&1 ||
      fail_with_log "rabbitmq-plugins failed" "$SETUP_LOG"
    # A clean broker: no queues, vhosts or users left from an earlier run of this node.
    as_root bash -c 'rm -rf -- "$1"/"$2" "$1"/"$2"-* "$1"/"$2".pid' _ "$MNESIA_BASE" "$RABBITMQ_NODENAME"
    STARTED_RABBIT_PIDFILE="$PIDFILE"
    RABBIT_LOG="/var/log/rabbitmq/$RABBITMQ_NODENAME.log"
    as_root rabbitmq-server -detached >>"$SETUP_LOG" 2>&1 || fail_with_log "rabbitmq-server -detached failed" "$SETUP_LOG" "$RABBIT_LOG"
    for _ in $(seq 1 600); do
      as_root test -s "$PIDFILE" && break
      sleep 0.1
    done
    as_root test -s "$PIDFILE" || fail_with_log "no pid file $PIDFILE after 60 s" "$RABBIT_LOG" "$SETUP_LOG"
    as_root rabbitmqctl wait --timeout 120 "$PIDFILE" >>"$SETUP_LOG" 2>&1 ||
      fail_with_log "rabbitmq did not start" "$RABBIT_LOG" "$SETUP_LOG"
    for _ in $(seq 1 300); do
      port_open 5672 && port_open 15672 && break
      sleep 0.1
    done
    port_open 15672 || log "warning: management API not answering on 15672"
    log "rabbitmq node pid $(as_root cat "$PIDFILE") ready in $(since "$t0") s"
    export PRICING_TEST_RABBITMQ_PIDFILE="$PIDFILE"
    t1="$(now)"
    create_vhost "$VHOST" >>"$SETUP_LOG" 2>&1 || fail_with_log "could not create vhost $VHOST" "$SETUP_LOG"
    log "vhost $VHOST created in $(since "$t1") s"
  fi
  export PRICING_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:5672/$VHOST"
  export PRICING_TEST_RABBITMQ_MANAGEMENT="${PRICING_TEST_RABBITMQ_MANAGEMENT:-$MGMT_URL}"
elif [ "$CLUSTER_ONLY" = "1" ]; then
  log "cluster suite alone: no single-node RabbitMQ (it starts a 3-node cluster of its own)"
else
  log "using caller's RabbitMQ: $PRICING_TEST_RABBITMQ"
fi

# ---------------------------------------------------------------------------------------------------------------
# 4. dotnet test
# ---------------------------------------------------------------------------------------------------------------
FAULT_PROJECT="tests/Resilience.Tests/Resilience.Tests.csproj"
TARGET="${PRICING_TEST_TARGET:-}"
if [ -z "$TARGET" ]; then
  # Pricing.slnx holds every project; the fault tests run after the rest, alone. So the first run takes a copy of the
  # solution without them (paths made relative to .test-servers/, where the copy lives).
  TARGET="$SERVERS_DIR/Pricing.without-fault-tests.slnx"
  grep -v -F -e "Path=\"$FAULT_PROJECT\"" -e "Path=\"$CLUSTER_PROJECT\"" Pricing.slnx | sed 's#Path="#Path="../#' >"$TARGET"
  grep -q -F "$FAULT_PROJECT" Pricing.slnx || log "warning: $FAULT_PROJECT is not in Pricing.slnx"
  grep -q -F "$CLUSTER_PROJECT" Pricing.slnx || log "warning: $CLUSTER_PROJECT is not in Pricing.slnx"
elif [ "${TARGET#/}" = "$TARGET" ] && [ -e "$CALLER_PWD/$TARGET" ]; then
  TARGET="$CALLER_PWD/$TARGET"
fi
case "$TARGET" in
  *.sln | *.slnx | *.slnf) TARGET_OPTION=--solution ;;
  *) TARGET_OPTION=--project ;;
esac

TEST_LOG="$SERVERS_DIR/dotnet-test-$RUN_ID.log"
# The cluster suite's fault figures (one line per fault, for docs/reliability.md), whether it runs alone or as a stage.
CLUSTER_FIGURES="${PRICING_TEST_FIGURES:-$SERVERS_DIR/cluster-figures-$RUN_ID.log}"
[ "$CLUSTER_ONLY" != "1" ] || export PRICING_TEST_FIGURES="$CLUSTER_FIGURES"
log "dotnet test $TARGET_OPTION $TARGET${*:+ $*} (log: $TEST_LOG)"
t0="$(now)"
set +e
MAIN_MINUTES="${PRICING_TEST_STAGE_MINUTES:-25}"
staged "$MAIN_MINUTES" dotnet test "$TARGET_OPTION" "$TARGET" "$@" 2>&1 | tee "$TEST_LOG"
TEST_RC="${PIPESTATUS[0]}"
log "dotnet test exited $TEST_RC after $(since "$t0") s"
stage_verdict "$TEST_RC" "dotnet test" "$MAIN_MINUTES"

# The fault tests stop and restart RabbitMQ and Redis by pid, so they run on their own, after everything else
# (left out of the first run's solution above). Skipped with PRICING_TEST_SKIP_FAULTS=1 or when a custom target was given.
if [ -z "${PRICING_TEST_TARGET:-}" ] && [ "${PRICING_TEST_SKIP_FAULTS:-0}" != "1" ] && [ -e "$FAULT_PROJECT" ]; then
  log "fault tests: dotnet test --project $FAULT_PROJECT"
  t0="$(now)"
  FAULT_MINUTES="${PRICING_TEST_FAULT_MINUTES:-15}"
  staged "$FAULT_MINUTES" dotnet test --project "$FAULT_PROJECT" "$@" 2>&1 | tee -a "$TEST_LOG"
  FAULT_RC="${PIPESTATUS[0]}"
  log "fault tests exited $FAULT_RC after $(since "$t0") s"
  stage_verdict "$FAULT_RC" "the fault tests" "$FAULT_MINUTES"
  [ "$TEST_RC" -eq 0 ] && TEST_RC="$FAULT_RC"
fi

# The cluster suite (tests/Cluster.Tests) starts and kills servers of its own (ports 5681-5683, 15681-15683,
# 25681-25683, 6401-6402, 26401-26403), so it runs on its own too, last. Alone with PRICING_TEST_TARGET set to it.
run_cluster_suite() { # dotnet test arguments...
  log "cluster suite: dotnet test --project $CLUSTER_PROJECT (figures: $CLUSTER_FIGURES)"
  local t0 rc
  t0="$(now)"
  local minutes="${PRICING_TEST_CLUSTER_MINUTES:-15}"
  PRICING_TEST_FIGURES="$CLUSTER_FIGURES" staged "$minutes" dotnet test --project "$CLUSTER_PROJECT" "$@" 2>&1 | tee -a "$TEST_LOG"
  rc="${PIPESTATUS[0]}"
  log "cluster suite exited $rc after $(since "$t0") s"
  stage_verdict "$rc" "the cluster suite" "$minutes"
  if [ -s "$CLUSTER_FIGURES" ]; then
    log "cluster fault figures:"
    sed 's/^/  /' "$CLUSTER_FIGURES" >&2
  fi
  return "$rc"
}
if [ -z "${PRICING_TEST_TARGET:-}" ] && [ "${PRICING_TEST_SKIP_CLUSTER:-0}" != "1" ] && [ -e "$CLUSTER_PROJECT" ]; then
  run_cluster_suite "$@"
  CLUSTER_RC=$?
  [ "$TEST_RC" -eq 0 ] && TEST_RC="$CLUSTER_RC"
elif [ "$CLUSTER_ONLY" = "1" ] && [ -s "$CLUSTER_FIGURES" ]; then
  log "cluster fault figures:"
  sed 's/^/  /' "$CLUSTER_FIGURES" >&2
fi
set -e

# Sum the summaries of every test project. Two formats, depending on the dotnet test mode:
#   VSTest (one line per project):  Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12, Duration: ...
#   Microsoft.Testing.Platform (global.json "test": {"runner": ...}), one block per run:
#       Test run summary: Passed!
#         total: 6
#         failed: 0
#         succeeded: 5
#         skipped: 1
read -r PASSED FAILED SKIPPED TOTAL < <(
  sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\r$//' "$TEST_LOG" | awk '
    /^[[:space:]]*(Passed|Failed)![[:space:]]+-[[:space:]]+Failed:[[:space:]]*[0-9]+,[[:space:]]*Passed:/ {
      line = $0
      sub(/.*Failed:[[:space:]]*/, "", line); f += line + 0
      line = $0; sub(/.*Passed:[[:space:]]*/, "", line); p += line + 0
      line = $0; sub(/.*Skipped:[[:space:]]*/, "", line); s += line + 0
      line = $0; sub(/.*Total:[[:space:]]*/, "", line); t += line + 0
      next
    }
    /^Test run summary:/ { inblock = 1; next }
    inblock && /^[[:space:]]+total:[[:space:]]*[0-9]+/     { t += $2; next }
    inblock && /^[[:space:]]+failed:[[:space:]]*[0-9]+/    { f += $2; next }
    inblock && /^[[:space:]]+succeeded:[[:space:]]*[0-9]+/ { p += $2; next }
    inblock && /^[[:space:]]+skipped:[[:space:]]*[0-9]+/   { s += $2; next }
    inblock && /^[[:space:]]+duration:/                    { inblock = 0; next }
    END { printf "%d %d %d %d\n", p, f, s, t }'
)

cleanup

# The deployment checks (1b) and the contract and data checks (1c, already added to DEPLOY_*) count like tests.
PASSED=$((PASSED + DEPLOY_PASSED))
FAILED=$((FAILED + DEPLOY_FAILED))
SKIPPED=$((SKIPPED + CHECK_SKIPPED))
RC=0
if [ "$TEST_RC" -ne 0 ]; then
  log "FAILED: dotnet test exit code $TEST_RC (build or test failure; see $TEST_LOG)"
  RC="$TEST_RC"
elif [ "$FAILED" -gt 0 ]; then
  log "FAILED: $FAILED test(s) failed"
  RC=1
elif [ "$TOTAL" -eq 0 ]; then
  log "FAILED: no test ran"
  RC=1
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
exit "$RC"
