#!/usr/bin/env bash
# The load table of mobilenetj serve, from one command: for MobileNetV1 1.0-224 (random weights) and the bundled
# Fashion-MNIST model, the service design and the naive one (a request-thread pool, each thread with its own default
# session) behind the same HTTP server, at 50/80/100/150/300 % of the service's capacity, open loop, over loopback.
#
# Usage: server/load.sh [smoke|quick|full|omp|soak] [--soak N] [--out DIR] [--hog N]
#   smoke  seconds: the bundled model only, two load levels; keeps this script working (server/check.sh runs it)
#   quick  5 s per level (default); about 8 minutes
#   full   20 s per level; about 25 minutes; what the lead runs on a quiet machine
#   omp    OpenMP settings under contention: 1 worker x 2 threads with the default wait policy, with
#          OMP_WAIT_POLICY=passive and with GOMP_SPINCOUNT=0, against 2 workers x 1 thread, on 1.0-224
#   soak   only the soak: N requests (--soak N, default 100000) at 80 % of capacity on the bundled model
#   --soak N   then N requests at 80 % of capacity on the bundled model (N = 1000000 for the documented soak)
#   --hog N    N busy-loop processes compete for the cores during the measurements (contention on purpose)
#   --out DIR  where the JSON lines, server logs and report.md go (default server/target/load-<mode>)
# Environment: JAVA_HOME (a JDK 25), MOBILENETJ_M2_REPO (local Maven repository, default ~/.m2) when the jar must be
# built, SERVER_ENV (extra environment for the servers, e.g. "OMP_WAIT_POLICY=passive"), SERVER_JAVA_OPTS (the servers'
# JVM options; default a fixed, pre-touched 512 MB heap, so that resident memory measures the server, not heap sizing).
# The report goes to DIR/report.md and stdout. Everything is bounded: each run stops after its duration, and the
# load generator waits at most 60 s for the answers still outstanding.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-quick}
shift || true
soak=0
hog=0
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --soak) soak=$2; shift 2 ;;
    --hog) hog=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "load.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $mode in
  smoke) D=1; W=1; models="fashion"; levels="50 300" ;;
  quick) D=5; W=2; models="r224 fashion"; levels="50 80 100 150 300" ;;
  full) D=20; W=3; models="r224 fashion"; levels="50 80 100 150 300" ;;
  omp) D=5; W=2; models="r224"; levels="50" ;;
  soak) D=5; W=2; models=""; levels=""; [ "$soak" -gt 0 ] || soak=100000 ;;
  *) echo "load.sh: mode is smoke, quick, full, omp or soak" >&2; exit 2 ;;
esac
out=${out:-$here/target/load-$mode}
mkdir -p "$out"
: > "$out/results.jsonl"

if [ -z "${JAVA_HOME:-}" ]; then
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/java-25-openjdk-amd64; do
    [ -x "$c/bin/java" ] && JAVA_HOME=$c && break
  done
fi
java="$JAVA_HOME/bin/java"
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || { echo "load.sh: JAVA_HOME must be a JDK 25" >&2; exit 1; }
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$here/pom.xml" | head -1)
jar="$here/target/mobilenetj-server-$version.jar"
if [ ! -f "$jar" ]; then
  echo "load.sh: building $jar"
  repo=(); [ -n "${MOBILENETJ_M2_REPO:-}" ] && repo=(-Dmaven.repo.local="$MOBILENETJ_M2_REPO")
  (cd "$here" && mvn -q -B package -DskipTests "${repo[@]}")
fi
cpus=$(nproc)
loadgen=("$java" -Xmx1g -cp "$jar" io.github.mobilenetj.server.load.LoadGenerator)
inprocess=("$java" --enable-native-access=ALL-UNNAMED -Xmx2g -cp "$jar" io.github.mobilenetj.server.load.InProcess)

hogs=()
stop_hogs() { for p in "${hogs[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; hogs=(); }
servers=()
cleanup() {
  stop_hogs
  for p in "${servers[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
start_hogs() {
  for _ in $(seq 1 "$hog"); do (while :; do :; done) & hogs+=($!); done
}

# start_server LOGNAME [ENV=VALUE...] -- ARGS...: starts the jar on a free loopback port; sets PORT and PID.
start_server() {
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  local log="$out/server-$name.log"
  # shellcheck disable=SC2086
  # shellcheck disable=SC2086
  env ${SERVER_ENV:-} "${envs[@]}" "$java" ${SERVER_JAVA_OPTS:--Xms512m -Xmx512m -XX:+AlwaysPreTouch} -jar "$jar" \
    --host 127.0.0.1 --port 0 "$@" > "$log" 2>&1 &
  PID=$!
  servers+=("$PID")
  for _ in $(seq 1 600); do
    grep -q "mobilenetj serve: ready" "$log" && break
    kill -0 "$PID" 2>/dev/null || { cat "$log" >&2; echo "load.sh: server $name died" >&2; exit 1; }
    sleep 0.3
  done
  grep -q "mobilenetj serve: ready" "$log" || { echo "load.sh: server $name not ready after 180 s" >&2; exit 1; }
  PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
}

# stop_server PID NAME: SIGTERM, then records whether it drained and exited 0.
stop_server() {
  local pid=$1 name=$2 code=0
  kill -TERM "$pid"
  wait "$pid" || code=$?
  printf '{"model":"%s","design":"exit","level":"sigterm","result":{"exit_code":%d}}\n' "$name" "$code" >> "$out/results.jsonl"
}

# load MODEL DESIGN LEVEL PORT PID ARGS...: one load generator run, appended to results.jsonl.
load() {
  local model=$1 design=$2 level=$3 port=$4 pid=$5; shift 5
  local line
  line=$("${loadgen[@]}" --port "$port" --server-pid "$pid" --timeout-ms 60000 --warmup "$W" --duration "$D" "$@")
  printf '{"model":"%s","design":"%s","level":"%s","result":%s}\n' "$model" "$design" "$level" "$line" >> "$out/results.jsonl"
  echo "  $model $design $level: $line" | cut -c1-220
  LAST=$line
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "load.sh: $mode on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $cpus CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "{\"meta\":{\"mode\":\"$mode\",\"cpu\":\"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\",\"cpus\":$cpus,"
  echo "\"loadavg_start\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"commit\":\"$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)\","
  echo "\"date\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"duration_s\":$D,\"server_env\":\"${SERVER_ENV:-}\",\"hogs\":$hog}}"
} | tr -d '\n' > "$out/meta.json"

model_args() {
  case $1 in
    r224) echo "--random-model mobilenet_v1=1.0,224" ;;
    fashion) echo "--model fashion-mnist=bundled" ;;
  esac
}
model_name() { case $1 in r224) echo mobilenet_v1 ;; fashion) echo fashion-mnist ;; esac; }
inprocess_model() { case $1 in r224) echo "1.0,224" ;; fashion) echo bundled ;; esac; }
concurrency=$((2 * cpus + 2))

if [ "$mode" = omp ]; then
  start_hogs
  m=r224
  # The reference: 2 workers x 1 thread (no OpenMP team, nothing to wait for).
  declare -A cfg=(
    [2x1]="--workers $cpus --threads 1"
    [1x2-default]="--workers 1 --threads $cpus"
    [1x2-passive]="--workers 1 --threads $cpus"
    [1x2-spin0]="--workers 1 --threads $cpus"
  )
  declare -A cfgenv=([2x1]="X=1" [1x2-default]="X=1" [1x2-passive]="OMP_WAIT_POLICY=passive" [1x2-spin0]="GOMP_SPINCOUNT=0")
  cap=""
  for round in 1 2; do
    for c in 2x1 1x2-default 1x2-passive 1x2-spin0; do
      # shellcheck disable=SC2086
      start_server "$m-$c" ${cfgenv[$c]} -- $(model_args $m) ${cfg[$c]}
      load $m "$c" "capacity" "$PORT" "$PID" --model "$(model_name $m)" --concurrency "$concurrency"
      [ "$c" = 2x1 ] && [ -z "$cap" ] && cap=$(field "$LAST" throughput)
      rate=$(python3 -c "print(max(1.0, $cap * 0.5))")
      load $m "$c" "50" "$PORT" "$PID" --model "$(model_name $m)" --rate "$rate"
      stop_server "$PID" "$m-$c"
    done
  done
  stop_hogs
else
  start_hogs
  for m in $models; do
    name=$(model_name $m)
    echo "load.sh: $m"
    # shellcheck disable=SC2046
    start_server "$m-service" -- $(model_args $m)
    spid=$PID sport=$PORT
    # shellcheck disable=SC2046
    start_server "$m-naive" -- $(model_args $m) --mode naive
    npid=$PID nport=$PORT
    load $m service unloaded "$sport" "$spid" --model "$name" --concurrency 1
    load $m service capacity "$sport" "$spid" --model "$name" --concurrency "$concurrency"
    cap=$(field "$LAST" throughput)
    load $m naive capacity "$nport" "$npid" --model "$name" --concurrency "$concurrency"
    for level in $levels; do
      rate=$(python3 -c "print(max(1.0, $cap * $level / 100))")
      load $m service "$level" "$sport" "$spid" --model "$name" --rate "$rate"
      load $m naive "$level" "$nport" "$npid" --model "$name" --rate "$rate"
    done
    if [ "$mode" != smoke ]; then
      for format in json png; do
        load $m service "capacity" "$sport" "$spid" --model "$name" --format $format --concurrency "$concurrency"
        fcap=$(field "$LAST" throughput)
        rate=$(python3 -c "print(max(1.0, $fcap * 0.8))")
        load $m service "80" "$sport" "$spid" --model "$name" --format $format --rate "$rate"
      done
    fi
    stop_server "$spid" "$m-service"
    stop_server "$npid" "$m-naive"
    if [ "$mode" != smoke ]; then
      line=$("${inprocess[@]}" --mode sessions --model "$(inprocess_model $m)" --workers "$cpus" --threads 1 \
        --duration "$D" --warmup "$W" | grep '^{')
      printf '{"model":"%s","design":"inprocess","level":"capacity","result":%s}\n' "$m" "$line" >> "$out/results.jsonl"
      echo "  $m in-process sessions: $line" | cut -c1-220
    fi
  done
  stop_hogs
  if [ "$soak" -gt 0 ]; then
    m=fashion
    name=$(model_name $m)
    # shellcheck disable=SC2046
    start_server "$m-soak" -- $(model_args $m)
    load $m service capacity "$PORT" "$PID" --model "$name" --concurrency "$concurrency"
    rate=$(python3 -c "print(max(1.0, $(field "$LAST" throughput) * 0.8))")
    seconds=$(python3 -c "print($soak / $rate)")
    W_saved=$W D_saved=$D
    W=$(python3 -c "print(min(30.0, $seconds * 0.05))") D=$seconds
    load $m service soak "$PORT" "$PID" --model "$name" --rate "$rate" --max-requests "$soak"
    W=$W_saved D=$D_saved
    stop_server "$PID" "$m-soak"
  fi
fi
sed -i "s/}}\$/,\"loadavg_end\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}}/" "$out/meta.json"
python3 "$here/load_report.py" "$out" | tee "$out/report.md"
