#!/usr/bin/env bash
# Builds the library and the benchmarks, runs JMH (mobilenetj vs ONNX Runtime and PyTorch through DJL), Python
# PyTorch (pytorch_python.py) and, in full mode, the native C baseline, then writes bench/RESULTS.md and
# bench/results/latency.png with report.py.
#
#   bench/run.sh quick   # CI smoke run: every benchmark once, tiny counts, reduced parameters (a few minutes)
#   bench/run.sh full    # proper settings (about 2 h on 2 cores); run on an otherwise idle machine
#
# Environment overrides: PRECISION_ROUNDS (rounds of the full precision comparison, default 5), BENCH_MODES (e.g. "sample": JMH modes of the full runtime runs), JAVA_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64 if present), MOBILENETJ_BUILD_DIR
# (library build dir, default /tmp/build-bench-lib), PYTHON (default /usr/bin/python3), SKIP_BUILD=1 (reuse
# target/benchmarks.jar), JMH_EXTRA (extra JMH arguments for every run, e.g. "-jvmArgsAppend -Dbench.ort.spinning=0"),
# FORKS / WARMUP_ITERATIONS / WARMUP_TIME / ITERATIONS / ITERATION_TIME (full runtime benchmarks).
set -euo pipefail

MODE="${1:-quick}"
case "$MODE" in
  quick|full) ;;
  *) echo "usage: $0 [quick|full]" >&2; exit 2 ;;
esac

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
RESULTS="$BENCH/results"
if [[ -z "${JAVA_HOME:-}" && -d /usr/lib/jvm/temurin-25-jdk-amd64 ]]; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
: "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
export JAVA_HOME
JAVA="$JAVA_HOME/bin/java"
PYTHON="${PYTHON:-/usr/bin/python3}"
JAR="$BENCH/target/benchmarks.jar"
NATIVE_ACCESS="--enable-native-access=ALL-UNNAMED"
PKG="io.github.mobilenetj.bench"
START=$(date +%s)

log() { printf '\n=== %s\n' "$*"; }
# Runs a command after recording it in results/commands.txt (listed in RESULTS.md), paths relative to the root.
quote() {
  local a="${1//$ROOT\//}"
  a="${a//$JAVA_HOME/\$JAVA_HOME}"
  if [[ "$a" =~ ^[A-Za-z0-9_./=:,+@%\$-]+$ ]]; then printf '%s' "$a"; else printf "'%s'" "${a//\'/\'\\\'\'}"; fi
}
run() {
  local line="" arg
  for arg in "$@"; do line+="$(quote "$arg") "; done
  echo "${line% }" >> "$RESULTS/commands.txt"
  "$@"
}

BUILD_DIR="${MOBILENETJ_BUILD_DIR:-/tmp/build-bench-lib}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  log "installing the library (mvn install -DskipTests)"
  # Offline first (the local repository usually has everything), online as a fallback.
  (cd "$ROOT" && { mvn -B -q -o install -DskipTests -Dmobilenetj.build.dir="$BUILD_DIR" \
      || mvn -B -q install -DskipTests -Dmobilenetj.build.dir="$BUILD_DIR"; })
  log "building bench/target/benchmarks.jar"
  (cd "$BENCH" && mvn -B -q package)
fi
if ! "$JAVA_HOME/bin/jar" tf "$JAR" | grep -q 'org/bytedeco/dnnl/.*/lib\(dnnl\.so\|dnnl\.[0-9]*\.dylib\)\|org/bytedeco/dnnl/.*/dnnl\.dll'; then
  echo "benchmarks.jar does not contain the oneDNN natives (org.bytedeco:dnnl:<platform>); see bench/pom.xml" >&2
  exit 1
fi

# libgomp's own default wait policy (spin about 300,000 times, then sleep) for every engine that uses libgomp: ours,
# the native C baseline and PyTorch then compare like for like. mobilenetj alone would otherwise set
# OMP_WAIT_POLICY=passive (its default for JVMs, README "Threads") and leaves it alone when GOMP_SPINCOUNT is set;
# 300000 is libgomp's value when neither variable is set. The passive runs below measure the library's default.
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-300000}"

mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json "$RESULTS"/latency.png "$RESULTS"/commands.txt "$RESULTS"/*.log
echo "# bench/run.sh $MODE, $(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$RESULTS/commands.txt"

log "machine, libraries, kernels, ours-vs-ORT cross-check, allocation per run"
run "$JAVA" "$NATIVE_ACCESS" -cp "$JAR" "$PKG.MachineInfo" "$RESULTS/machine.json"
# The precisions mobilenetj runs here (bf16 needs AVX512-BF16, AMX or FEAT_BF16). Without bf16, every JMH run that
# has a precision parameter gets -p precision=fp32,int8 (NetworkOurs would fail at bf16; NetworkOrt has no bf16).
PRECISIONS=$("$JAVA" "$NATIVE_ACCESS" -cp "$JAR" "$PKG.Precisions")
echo "precisions here: $PRECISIONS"
PREC=()
[[ ",$PRECISIONS," == *,bf16,* ]] || PREC=(-p precision="${PRECISIONS//bf16,/}")
OURS_REDUCED="${PRECISIONS//fp32,/}"   # bf16,int8 or int8

RUNTIME="$PKG\.(LayerOurs|LayerOrt|NetworkOurs|NetworkOrt|BatchOurs|BatchOrt)\."
BUILD="$PKG\.(Build|BuildOrt)\."
read -r -a EXTRA <<< "${JMH_EXTRA:-}"
TORCH="$PKG\.NetworkTorch\."
# PyTorch frees and re-allocates its intermediate tensors on every forward; with glibc's default thresholds
# those large blocks go back to the kernel and each forward page-faults them in again (2-4x slower here).
# The PyTorch runs get glibc tunables that keep freed memory, PyTorch's best case (see bench/README.md).
TORCH_GLIBC="glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296:glibc.malloc.arena_max=1"
WEIGHTS_DIR="$(mktemp -d)"
trap 'rm -rf "$WEIGHTS_DIR"' EXIT

# The benchmarks' weights for α $1 as a file (Weights.random(config, 42), reference names, BatchNorm unfolded),
# for the programs outside the JMH jar; written once per run. Prints its path.
weights_file() {
  local file="$WEIGHTS_DIR/w-$1.safetensors"
  [[ -f "$file" ]] || run "$JAVA" "$NATIVE_ACCESS" -cp "$JAR" "$PKG.WriteWeights" "$file" "$1" 1000 >&2
  echo "$file"
}

# Python PyTorch (Debian's python3-torch) on the benchmarks' weights and input, 1.0-224, batch 1 and 8.
python_pytorch() {
  if ! "$PYTHON" -c 'import torch, numpy' 2>/dev/null; then
    log "Python PyTorch skipped: $PYTHON cannot import torch and numpy (apt-get install python3-torch)"
    return 0
  fi
  log "Python PyTorch, 1.0-224, batch 1 and 8, 1 and 2 threads"
  local weights
  weights=$(weights_file 1.0)
  run "$JAVA" "$NATIVE_ACCESS" -cp "$JAR" "$PKG.WriteReference" "$WEIGHTS_DIR/ref-1.0-224-b8.safetensors" 1.0 224 8
  run "$PYTHON" "$BENCH/pytorch_python.py" --weights "$weights" \
    --reference "$WEIGHTS_DIR/ref-1.0-224-b8.safetensors" --threads 1 2 --batch 1 8 "$@" \
    --out "$RESULTS/pytorch-python.json" | tee "$RESULTS/pytorch-python.log"
}

# ours (the CLI's latency command) and the native C baseline alternating, round after round, on the same
# weights: the ours/native ratio with the machine's drift taken out (interleaved.py explains).
NATIVE="$ROOT/native/build/mobilenet_bench"
interleaved() {
  local cli
  cli=$(ls "$BUILD_DIR"/mobilenetj-*-cli.jar 2>/dev/null | head -n 1 || true)
  if [[ ! -x "$NATIVE" || -z "$cli" ]]; then
    log "interleaved ours/native skipped: needs $NATIVE (native/build.sh) and the library's cli jar in $BUILD_DIR"
    return 0
  fi
  log "interleaved ours vs native C, 1.0-224 batch 1, 1 and 2 threads"
  local weights
  weights=$(weights_file 1.0)
  run "$PYTHON" "$BENCH/interleaved.py" --java "$JAVA" --jar "$cli" --native "$NATIVE" \
    --weights "$weights" --threads 1 2 "$@" --out "$RESULTS/interleaved.json" \
    | tee "$RESULTS/interleaved.log"
}

# The precision comparison (precision.py): ours fp32/bf16/int8, ORT fp32/int8 on the QDQ graph of the same quantized
# network, the native C baseline at f32/bf16/int8 (if built with --precision), each in its own process, interleaved
# round by round; per-round paired ratios against the issue's targets.
precision() {
  local out="$1"; shift
  local native=()
  [[ -x "$NATIVE" ]] && native=(--native "$NATIVE")
  log "precision comparison, interleaved -> $(basename "$out")"
  run "$PYTHON" "$BENCH/precision.py" --java "$JAVA" --jar "$JAR" "${native[@]}" --workdir "$WEIGHTS_DIR/precision" \
    "$@" --out "$out" | tee "${out%.json}.log"
}
FULL_CELLS=(1.0:224:1:1 1.0:224:1:2 1.0:224:8:1 1.0:224:8:2 1.0:224:32:1 1.0:224:32:2)
for a in 1.0 0.75 0.5 0.25; do
  for r in 224 192 160 128; do
    [[ "$a:$r" == 1.0:224 ]] || FULL_CELLS+=("$a:$r:1:2")
  done
done

if [[ "$MODE" == quick ]]; then
  # Every benchmark method once: 1 fork, no warmup, one 200 ms iteration, SampleTime only (it gives the mean
  # and the percentiles), a reduced parameter set. Numbers from this mode are not meaningful.
  log "JMH runtime benchmarks (quick)"
  run "$JAVA" -jar "$JAR" "$RUNTIME" -f 1 -wi 0 -i 1 -r 200ms -bm sample \
    -p threads=1,2 -p alpha=1.0,0.25 -p resolution=224 -p batch=8 -p layout=NCHW "${PREC[@]}" \
    -rf json -rff "$RESULTS/jmh.json" "${EXTRA[@]}" | tee "$RESULTS/jmh.log"
  log "JMH PyTorch through DJL (quick)"
  run env GLIBC_TUNABLES="$TORCH_GLIBC" "$JAVA" -jar "$JAR" "$TORCH" -f 1 -wi 0 -i 1 -r 200ms -bm sample \
    -rf json -rff "$RESULTS/jmh-torch.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-torch.log"
  python_pytorch --iterations 5 --warmup 1 --min-runs 2
  interleaved --rounds 2 --iterations 10 --warmup 5
  precision "$RESULTS/precision.json" --cells 1.0:224:1:1 1.0:224:1:2 0.25:128:1:2 --rounds 1 --target-seconds 0.2 \
    --min-iterations 10 --jvm-warmup-ms 300 --label "quick"
  log "JMH build benchmarks (quick)"
  run "$JAVA" -jar "$JAR" "$BUILD" -f 1 -wi 0 -i 1 -p threads=1 \
    -rf json -rff "$RESULTS/jmh-build.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-build.log"
  log "JMH OpenMP passive wait policy, 2 threads (quick)"
  run env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=passive "$JAVA" -jar "$JAR" "$PKG\.NetworkOurs\." -f 1 -wi 0 -i 1 -r 200ms -bm sample \
    -p threads=2 -p alpha=1.0 -p resolution=224 -p precision=fp32 -rf json -rff "$RESULTS/jmh-omp-passive.json" "${EXTRA[@]}" \
    | tee "$RESULTS/jmh-omp-passive.log"
  log "JMH allocation per inference, -prof gc (quick)"
  run "$JAVA" -jar "$JAR" "$PKG\.(NetworkOurs|NetworkOrt|LayerOurs)\." -prof gc -bm avgt -f 1 -wi 1 -w 1s -i 1 -r 1s \
    -p threads=1 -p alpha=0.25 -p resolution=128 -p layer=FC_1024to1000 -p layout=NCHW "${PREC[@]}" \
    -rf json -rff "$RESULTS/jmh-gc.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-gc.log"
else
  F="${FORKS:-1}"; WI="${WARMUP_ITERATIONS:-5}"; W="${WARMUP_TIME:-2s}"; I="${ITERATIONS:-10}"; R="${ITERATION_TIME:-2s}"
  # BENCH_MODES=sample measures SampleTime only (it gives the mean and the percentiles) in half the time.
  MODES=(); [[ -n "${BENCH_MODES:-}" ]] && MODES=(-bm "$BENCH_MODES")
  log "JMH runtime benchmarks (full: $F fork(s), $WI x $W warmup, $I x $R measurement, modes ${BENCH_MODES:-AverageTime + SampleTime})"
  run "$JAVA" -jar "$JAR" "$RUNTIME" -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" "${MODES[@]}" -p precision=fp32 \
    -rf json -rff "$RESULTS/jmh.json" "${EXTRA[@]}" | tee "$RESULTS/jmh.log"
  # Reduced precision under JMH at α 1.0, 224 (batch 1, 8, 32; 1 and 2 threads); the 16 α × resolution cells
  # are in the interleaved precision comparison below.
  log "JMH reduced precision, α 1.0, 224 (full)"
  run "$JAVA" -jar "$JAR" "$PKG\.(NetworkOurs|BatchOurs)\." -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" "${MODES[@]}" \
    -p alpha=1.0 -p resolution=224 -p precision="$OURS_REDUCED" \
    -rf json -rff "$RESULTS/jmh-precision.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-precision.log"
  run "$JAVA" -jar "$JAR" "$PKG\.(NetworkOrt|BatchOrt)\." -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" "${MODES[@]}" \
    -p alpha=1.0 -p resolution=224 -p precision=int8 \
    -rf json -rff "$RESULTS/jmh-precision-ort.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-precision-ort.log"
  log "JMH PyTorch through DJL (full, GLIBC_TUNABLES=$TORCH_GLIBC)"
  run env GLIBC_TUNABLES="$TORCH_GLIBC" "$JAVA" -jar "$JAR" "$TORCH" -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" \
    "${MODES[@]}" -rf json -rff "$RESULTS/jmh-torch.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-torch.log"
  log "JMH PyTorch through DJL, batch 1, glibc's default malloc settings (full)"
  run "$JAVA" -jar "$JAR" "$TORCH" -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" "${MODES[@]}" -p batch=1 \
    -rf json -rff "$RESULTS/jmh-torch-default-malloc.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-torch-default-malloc.log"
  python_pytorch --iterations 300 --warmup 20
  log "JMH build benchmarks (full: SingleShotTime, 3 forks x 10 fresh builds, the first of each fork in a cold JVM)"
  run "$JAVA" -jar "$JAR" "$BUILD" -f 3 -wi 0 -i 10 \
    -rf json -rff "$RESULTS/jmh-build.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-build.log"
  # libgomp's default wait policy spins between parallel regions; on a busy machine that collapses 2-thread
  # latency. The same batch-1 networks at 2 threads with OMP_WAIT_POLICY=passive, mobilenetj's default (forks
  # inherit the env).
  log "JMH OpenMP passive wait policy, 2 threads (full)"
  run env -u GOMP_SPINCOUNT OMP_WAIT_POLICY=passive "$JAVA" -jar "$JAR" "$PKG\.NetworkOurs\." -f "$F" -wi "$WI" -w "$W" -i "$I" -r "$R" \
    "${MODES[@]}" -p threads=2 -p precision=fp32 -rf json -rff "$RESULTS/jmh-omp-passive.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-omp-passive.log"
  log "JMH allocation per inference, -prof gc (full)"
  run "$JAVA" -jar "$JAR" "$PKG\.(NetworkOurs|NetworkOrt|BatchOurs|BatchOrt|LayerOurs|LayerOrt)\." -prof gc -bm avgt \
    -f 1 -wi 5 -w 1s -i 5 -r 1s -p threads=1 -p alpha=1.0 -p resolution=224 -p layout=NCHW "${PREC[@]}" \
    -rf json -rff "$RESULTS/jmh-gc.json" "${EXTRA[@]}" | tee "$RESULTS/jmh-gc.log"

  interleaved --rounds 10 --iterations 200 --warmup 100
  # The precision comparison, then the same again: the second run shows how far a figure moves between runs.
  PREC_ROUNDS="${PRECISION_ROUNDS:-5}"
  precision "$RESULTS/precision.json" --cells "${FULL_CELLS[@]}" --rounds "$PREC_ROUNDS" --label "run 1"
  precision "$RESULTS/precision-repeat.json" --cells "${FULL_CELLS[@]}" --rounds "$PREC_ROUNDS" --label "run 2 (repeat)"
  if [[ -x "$NATIVE" ]]; then
    log "native C baseline ($NATIVE)"
    for alpha in 1.0 0.75 0.5 0.25; do
      weights=$(weights_file "$alpha")
      for res in 224 192 160 128; do
        for t in 1 2; do
          run "$NATIVE" --weights "$weights" --alpha "$alpha" --resolution "$res" --classes 1000 \
            --batch 1 --threads "$t" --iterations 300 --json "$RESULTS/native-a$alpha-r$res-b1-t$t.json"
        done
      done
    done
    for b in 8 32; do
      for t in 1 2; do
        n=$(( b == 8 ? 60 : 20 ))
        run "$NATIVE" --weights "$(weights_file 1.0)" --alpha 1.0 --resolution 224 --classes 1000 \
          --batch "$b" --threads "$t" --iterations "$n" --json "$RESULTS/native-a1.0-r224-b$b-t$t.json"
      done
    done
  else
    log "native baseline skipped: $NATIVE not built (see native/README.md)"
  fi
fi

log "report"
run "$PYTHON" "$BENCH/report.py" --results "$RESULTS" --out "$BENCH/RESULTS.md" --mode "$MODE"
END=$(date +%s)
echo "bench/run.sh $MODE finished in $(( END - START )) s; see bench/RESULTS.md"
