#!/usr/bin/env bash
# Cross-checks the C baseline against the Java library: same seeded weights (safetensors), same
# input, logits must agree within --tolerance (relative to max(1, max |logit|)).
#   native/check.sh            (after `mvn -DskipTests package` or `mvn verify`; compiles if target/classes is empty)
# Environment: JAVA_HOME (a JDK 25; found in /usr/lib/jvm otherwise), NATIVE_CHECK_COMPILE=1 to
# force `mvn -q -B -DskipTests compile` first, NATIVE_CHECK_TOLERANCE (default 1e-4),
# MOBILENETJ_BUILD_DIR to use (and compile into) another Maven output directory than target/.
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
build_dir="${MOBILENETJ_BUILD_DIR:-target}"
if [ "${NATIVE_CHECK_COMPILE:-0}" = 1 ] || [ ! -f "$build_dir/classes/io/github/mobilenetj/model/MobileNetV1.class" ] \
    || [ ! -f "$build_dir/test-classes/io/github/mobilenetj/model/TestWeights.class" ]; then
  echo "check.sh: compiling the library and its test fixtures (mvn -q -B -DskipTests test-compile)"
  mvn -q -B -DskipTests test-compile ${MOBILENETJ_BUILD_DIR:+-Dmobilenetj.build.dir="$MOBILENETJ_BUILD_DIR"}
fi

bench="$here/build/mobilenet_bench"
work="$here/build/check"
tolerance="${NATIVE_CHECK_TOLERANCE:-1e-4}"
failures=0

# alpha resolution classes batch seed
check_case() {
  local alpha=$1 resolution=$2 classes=$3 batch=$4 seed=$5
  local dir="$work/a${alpha}_r${resolution}_c${classes}_b${batch}"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$build_dir/classes:$build_dir/test-classes:$jar" \
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

# Reduced precision (bf16, int8) against the f32 network on the same weights and inputs: a sanity
# check of scales and types (max |logit diff| relative to max(1, max |logit|), top-1 agreement), not
# an accuracy measurement. Skipped, with a message, where oneDNN has no bf16 kernels for this CPU.
reduced() {  # name, then mobilenet_bench arguments
  local name=$1 out status=0
  shift
  out="$("$bench" "$@" 2>&1)" || status=$?
  if [ "$status" -eq 0 ]; then
    echo "$out" | grep -E '^(compare|accuracy)' | sed "s/^/check.sh: $name: /"
    echo "check.sh: $name: OK"
  elif [ "$status" -eq 2 ] && echo "$out" | grep -q unimplemented; then
    echo "check.sh: $name: skipped, oneDNN has no kernel for it on this CPU ($(echo "$out" | grep -o 'ISA [a-z0-9_]*' | head -1))"
  else
    echo "$out" >&2
    echo "check.sh: $name: FAILED" >&2
    failures=$((failures + 1))
  fi
}
big="$work/a1.0_r224_c1000_b1"
for variant in tensors fpmath; do
  reduced "bf16 ($variant) alpha 1.0 224" --weights "$big/weights.safetensors" --precision bf16 --bf16-variant "$variant" \
    --compare --compare-random 4 --max-diff 0.03
done
reduced "int8 alpha 1.0 224" --weights "$big/weights.safetensors" --precision int8 --compare --compare-random 4 --max-diff 0.15
reduced "int8 (depthwise f32) alpha 0.5 160 batch 2" --weights "$smoke/weights.safetensors" --alpha 0.5 --resolution 160 \
  --batch 2 --precision int8 --int8-depthwise off --compare --compare-random 4 --max-diff 0.15

# A quantized safetensors file written and read back gives the same int8 network: identical logits.
q="$work/q"
mkdir -p "$q"
if "$bench" --weights "$smoke/weights.safetensors" --alpha 0.5 --resolution 160 --batch 2 --precision int8 \
      --save-quantized "$q/q.safetensors" --input "$smoke/input.bin" --write-logits "$q/calibrated.bin" >/dev/null \
    && "$bench" --weights "$q/q.safetensors" --alpha 0.5 --resolution 160 --batch 2 --precision int8 \
      --input "$smoke/input.bin" --write-logits "$q/loaded.bin" >/dev/null \
    && cmp -s "$q/calibrated.bin" "$q/loaded.bin"; then
  echo "check.sh: quantized safetensors round trip: OK"
else
  echo "check.sh: quantized safetensors round trip: FAILED" >&2
  failures=$((failures + 1))
fi

# The bundled Fashion-MNIST model on 1000 real test images (int8 calibrated on 300 training images):
# top-1 agreement with f32. Needs the Debian packages dataset-fashion-mnist and python3-torch.
fm_weights="$root/src/main/resources/io/github/mobilenetj/model/fashion-mnist-mobilenet_v1.safetensors"
if [ -d /usr/share/datasets/fashion-mnist ] && /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  /usr/bin/python3 "$here/fmnist_inputs.py" "$work/fmnist" --test 1000 --calibration 300
  fm=(--weights "$fm_weights" --alpha 0.5 --resolution 64 --in-channels 1 --classes 10 --batch 100 --compare
      --input "$work/fmnist/test.bin" --labels "$work/fmnist/test-labels.bin" --min-agreement 0.99)
  reduced "Fashion-MNIST int8" "${fm[@]}" --precision int8 --calibration "$work/fmnist/calibration.bin"
  reduced "Fashion-MNIST bf16" "${fm[@]}" --precision bf16
else
  echo "check.sh: Fashion-MNIST int8/bf16 agreement skipped (needs dataset-fashion-mnist and python3-torch)"
fi

if [ "$failures" -ne 0 ]; then
  echo "check.sh: $failures failure(s)" >&2
  exit 1
fi
echo "check.sh: all native checks passed"
