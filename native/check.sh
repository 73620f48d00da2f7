#!/usr/bin/env bash
# Cross-checks the C baseline against the Java library: same seeded weights (safetensors), same
# input, logits must agree within --tolerance (relative to max(1, max |logit|)).
#   native/check.sh            (after `mvn -DskipTests package` or `mvn verify`; compiles if target/classes is empty)
# Environment: JAVA_HOME (a JDK 25; found in /usr/lib/jvm otherwise), NATIVE_CHECK_COMPILE=1 to
# force `mvn -q -B -DskipTests compile` first, NATIVE_CHECK_TOLERANCE (default 1e-4).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

is_jdk25() { [ -n "${1:-}" ] && "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; }
if ! is_jdk25 "${JAVA_HOME:-}"; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/java-25-openjdk-amd64; do
    if is_jdk25 "$candidate"; then JAVA_HOME=$candidate; break; fi
  done
fi
is_jdk25 "${JAVA_HOME:-}" || { echo "check.sh: no JDK 25 found; set JAVA_HOME" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

"$here/build.sh"

case "$(uname -m)" in
  x86_64) platform=linux-x86_64 ;;
  aarch64) platform=linux-arm64 ;;
esac
jar="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}/org/bytedeco/dnnl/3.13-1.5.14/dnnl-3.13-1.5.14-$platform.jar"
if [ "${NATIVE_CHECK_COMPILE:-0}" = 1 ] || [ ! -f target/classes/io/github/mobilenetj/model/MobileNetV1.class ] \
    || [ ! -f target/test-classes/io/github/mobilenetj/model/TestWeights.class ]; then
  echo "check.sh: compiling the library and its test fixtures (mvn -q -B -DskipTests test-compile)"
  mvn -q -B -DskipTests test-compile
fi

bench="$here/build/mobilenet_bench"
work="$here/build/check"
tolerance="${NATIVE_CHECK_TOLERANCE:-1e-4}"
failures=0

# alpha resolution classes batch seed
check_case() {
  local alpha=$1 resolution=$2 classes=$3 batch=$4 seed=$5
  local dir="$work/a${alpha}_r${resolution}_c${classes}_b${batch}"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "target/classes:target/test-classes:$jar" \
    "$here/NativeCheckData.java" "$dir" "$alpha" "$resolution" "$classes" "$batch" "$seed"
  if "$bench" --weights "$dir/weights.safetensors" --alpha "$alpha" --resolution "$resolution" --classes "$classes" \
      --batch "$batch" --input "$dir/input.bin" --expect "$dir/logits.bin" --tolerance "$tolerance" --verbose-impl; then
    echo "check.sh: alpha $alpha ${resolution}x$resolution batch $batch: OK"
  else
    echo "check.sh: alpha $alpha ${resolution}x$resolution batch $batch: FAILED" >&2
    failures=$((failures + 1))
  fi
}

check_case 1.0 224 1000 1 42
check_case 0.5 160 1000 2 7

# Smoke test of the timing and JSON path (not a measurement: a handful of runs, one thread).
smoke="$work/a0.5_r160_c1000_b2"
if "$bench" --weights "$smoke/weights.safetensors" --alpha 0.5 --resolution 160 --batch 2 --threads 1 \
    --warmup 1 --iterations 3 --json "$work/smoke.json" && grep -q '"p50_ms"' "$work/smoke.json"; then
  echo "check.sh: benchmark smoke run: OK"
else
  echo "check.sh: benchmark smoke run: FAILED" >&2
  failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "check.sh: $failures failure(s)" >&2
  exit 1
fi
echo "check.sh: all native checks passed"
