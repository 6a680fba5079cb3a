#!/usr/bin/env bash
# Runs emitron and Nchan one after the other on this machine, every scenario, and writes the results
# (one JSON line per run) and a summary table with medians and ratios.
#
#   benchmarks/side-by-side.sh [results-dir]        (default benchmarks/results/<UTC date and time>)
#
# Needs: the jars (./mvnw -q -DskipTests package), nginx with the Nchan module
# (apt-get install -y nginx libnginx-mod-nchan), curl, a Redis on 127.0.0.1:6379 for the Redis targets.
# It stops any running emitron jar, and the Nchan it starts, as it goes.
# TARGETS (default "emitron-memory nchan-memory emitron-redis nchan-redis"), SCENARIOS
# (default "S1 S1r S2 S3"), RUNS (default 3) and NCHAN_CONF_SCRIPT (the configuration generator of the
# shared benchmark, default /work/shared/bench/nchan/gen-conf.sh) may be set in the environment.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/benchmarks/results/$(date -u +%Y-%m-%dT%H%M)}
TARGETS=${TARGETS:-"emitron-memory nchan-memory emitron-redis nchan-redis"}
SCENARIOS=${SCENARIOS:-"S1 S1r S2 S3"}
RUNS=${RUNS:-3}
NCHAN_CONF_SCRIPT=${NCHAN_CONF_SCRIPT:-/work/shared/bench/nchan/gen-conf.sh}
EMITRON_PORT=8181
NCHAN_PORT=8090
NCHAN_DIR=${NCHAN_DIR:-/tmp/nchan-peer}
JAR=$ROOT/emitron-standalone/target/emitron.jar
BENCH=$ROOT/benchmarks/target/benchmarks.jar
RESULTS=$OUT/runs.jsonl

for file in "$JAR" "$BENCH"; do
  [ -f "$file" ] || { echo "missing $file: run ./mvnw -q -DskipTests package first" >&2; exit 1; }
done
mkdir -p "$OUT"
: > "$RESULTS"

SERVER_PIDS=""

stop_server() {
  case "$1" in
    emitron-*) pkill -f "java .*emitron-standalone/target/emitron.jar" || true
      while pgrep -f "java .*emitron-standalone/target/emitron.jar" > /dev/null; do sleep 0.2; done ;;
    nchan-*) nginx -p "$NCHAN_DIR/" -c "$NCHAN_DIR/nchan-${1#nchan-}.conf" -s stop 2> /dev/null || true
      while pgrep -f "nginx: master process .*nchan-${1#nchan-}.conf" > /dev/null; do sleep 0.2; done ;;
  esac
}

# Starts a fresh server for the target and sets SERVER_PIDS (nginx: the master and its workers).
start_server() {
  local target=$1
  stop_server "$target"
  case "$target" in
    emitron-memory|emitron-redis)
      local redis=""
      [ "$target" = emitron-redis ] && redis=redis://127.0.0.1:6379
      REDIS_URL=$redis PORT=$EMITRON_PORT HOST=127.0.0.1 LOG_LEVEL=warn \
        java -jar "$JAR" > "$OUT/$target.log" 2>&1 &
      SERVER_PIDS=$!
      wait_healthy "http://127.0.0.1:$EMITRON_PORT/health" ;;
    nchan-memory|nchan-redis)
      NCHAN_DIR=$NCHAN_DIR bash "$NCHAN_CONF_SCRIPT" > /dev/null
      nginx -p "$NCHAN_DIR/" -c "$NCHAN_DIR/nchan-${target#nchan-}.conf" 2> "$OUT/$target.log"
      wait_healthy "http://127.0.0.1:$NCHAN_PORT/health"
      local master
      master=$(cat "$NCHAN_DIR/run/nginx-${target#nchan-}.pid")
      SERVER_PIDS=$(echo "$master" $(pgrep -P "$master") | tr ' ' ',') ;;
  esac
}

wait_healthy() {
  for _ in $(seq 1 100); do
    curl -fs "$1" > /dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not answer $1" >&2
  exit 1
}

load() { # target scenario extra-args...
  local target=$1 scenario=$2
  shift 2
  local url body
  case "$target" in
    emitron-*) url=http://127.0.0.1:$EMITRON_PORT; body='{"data":{payload}}' ;;
    nchan-*) url=http://127.0.0.1:$NCHAN_PORT; body='{payload}' ;;
  esac
  java -cp "$BENCH" dev.emitron.benchmarks.LoadGenerator --url "$url" --pub-body "$body" \
    --scenario "$scenario" --pid "$SERVER_PIDS" "$@" \
    | grep '^{' | sed "s/^{/{\"target\":\"$target\",/" | tee -a "$RESULTS"
}

trap 'for t in $TARGETS; do stop_server "$t"; done' EXIT

for target in $TARGETS; do
  for scenario in $SCENARIOS; do
    echo "== $target $scenario" >&2
    if [ "$scenario" = S3 ]; then
      # Memory per idle connection: a fresh server for every run, as a process starts in production.
      for run in $(seq 1 "$RUNS"); do
        start_server "$target"
        load "$target" S3 --runs 1 > /dev/null
      done
    else
      start_server "$target"
      load "$target" "$scenario" --warmup-runs 1 --runs "$RUNS" > /dev/null
    fi
  done
  stop_server "$target"
done

java -cp "$BENCH" dev.emitron.benchmarks.SideBySideReport "$RESULTS" | tee "$OUT/summary.md"
