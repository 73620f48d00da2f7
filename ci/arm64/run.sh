#!/usr/bin/env bash
# linux-arm64 test stage on an x86-64 host: the tests tagged "arm64" run in Debian's arm64 JDK 25
# under qemu-user, once per emulated CPU, with the oneDNN natives of the linux-arm64 jar
# (Maven profile arm64-emulated). Prints the oneDNN implementation each layer kind got per CPU.
#
# Environment (all optional):
#   ARM64_CPUS        space-separated label=qemu-cpu[|TestClass,...] entries; the optional |list runs only
#                     those test classes (Surefire -Dtest, still filtered by the arm64 tag) on that CPU
#                     (default: "$DEFAULT_CPUS" below: SVE 128-bit, SVE 256-bit with the kernel and smoke
#                     tests only, Neoverse N1)
#   ARM64_BUILD_DIR   Maven build directory for these runs (default: target/arm64-emulated)
#   ARM64_MAVEN_ARGS  extra Maven arguments, e.g. "-o" or "-Darm64.groups=arm64&!slow"
#   JAVA_HOME         a JDK 25 for Maven itself (default: as .ci/run chooses)
# Exit status: 0 when every CPU's run passed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

log() { echo "ci/arm64: $*"; }

# qemu-user (Debian package; provides qemu-aarch64). Installed only when missing and we are root.
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    log "installing qemu-user"
    (apt-get install -y -qq qemu-user || (apt-get update -qq && apt-get install -y -qq qemu-user)) >/dev/null
  fi
  command -v qemu-aarch64 >/dev/null 2>&1 || { log "qemu-aarch64 not found; apt-get install qemu-user" >&2; exit 1; }
fi

# A JDK 25 for Maven on the host (the tests themselves run in the emulated arm64 JDK).
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then JAVA_HOME=$candidate; break; fi
  done
fi
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"

"$here/fetch-jdk.sh"
start=$(date +%s)
QEMU_CPU=neoverse-n1 "$here/java" -version 2>&1 | sed 's/^/ci\/arm64: emulated /' | head -n 2
log "emulated JVM started in $(( $(date +%s) - start )) s"

# The linux-arm64 natives jar (Maven would resolve it anyway; fetched explicitly so a failure is clearly named).
dnnl_version=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' pom.xml | head -n 1)
# shellcheck disable=SC2206
extra=(${ARM64_MAVEN_ARGS:-})
case " ${extra[*]} " in
  *" -o "*|*" --offline "*) ;;
  *) mvn -B -q "${extra[@]}" dependency:get "-Dartifact=org.bytedeco:dnnl:$dnnl_version:jar:linux-arm64" -Dtransitive=false \
       || { log "could not fetch org.bytedeco:dnnl:$dnnl_version:jar:linux-arm64" >&2; exit 1; } ;;
esac

build_dir=${ARM64_BUILD_DIR:-$root/target/arm64-emulated}
mkdir -p "$build_dir"
# SVE 256-bit (Graviton 3) runs only the tests that tell its kernels apart: qemu 7.2 emulates 256-bit SVE
# about 20x slower than 128-bit for the same instruction count (ci/arm64/README.md), so the full selection
# would take longer than the other two CPUs together. Its kernels are the sve_128 ones at another vector length.
DEFAULT_CPUS="sve128=max,sve-default-vector-length=16 sve256=max,sve-default-vector-length=32|EmulatedKernelsTest,Arm64SmokeTest,ReferenceKernelWarningTest neoverse-n1=neoverse-n1"
cpus=${ARM64_CPUS:-$DEFAULT_CPUS}

status=0
summary=()
for entry in $cpus; do
  label=${entry%%=*}
  rest=${entry#*=}
  cpu=${rest%%|*}
  selection=()
  if [ "$rest" != "$cpu" ]; then selection=("-Dtest=${rest#*|}" -Dsurefire.failIfNoSpecifiedTests=false); fi
  mvn_log=$build_dir/arm64-$label.log
  log "=== $label: qemu-aarch64 -cpu $cpu${selection[*]:+ (${rest#*|})} ==="
  t0=$(date +%s)
  set +e
  mvn -B "${extra[@]}" -Parm64-emulated test ${selection[@]+"${selection[@]}"} \
      "-Dmobilenetj.build.dir=$build_dir" "-Darm64.qemu.cpu=$cpu" "-Darm64.label=$label" 2>&1 | tee "$mvn_log"
  rc=${PIPESTATUS[0]}
  set -e
  seconds=$(( $(date +%s) - t0 ))
  [ "$rc" = 0 ] || status=1
  tests=$(grep -E '^\[(INFO|ERROR|WARNING)\] Tests run:' "$mvn_log" | tail -n 1 | sed -E 's/^\[[A-Z]+\] //')
  summary+=("$label ($cpu): $([ "$rc" = 0 ] && echo PASSED || echo "FAILED (mvn exit $rc)") in ${seconds}s; ${tests:-no test summary}")
  # "ARM64-IMPL <network> | <layer kind> | <operation> | <implementations>" -> one line per layer kind.
  grep -a '^ARM64-IMPL ' "$mvn_log" | cut -d'|' -f2- | sed -E 's/^ +//; s/ +\| +/|/g' \
    | awk -F'|' '{ k = $1 " (" $2 ")"; n = split($3, impls, / *, */)
        for (i = 1; i <= n; i++) if (!((k, impls[i]) in seen)) {
          seen[k, impls[i]] = 1; list[k] = list[k] (cnt[k]++ ? ", " : "") impls[i] } }
        END { for (k in list) print k ": " list[k] }' \
    | sort > "$build_dir/arm64-$label.impl.txt" || true
done

echo
log "=== oneDNN implementations per layer kind ==="
for entry in $cpus; do
  label=${entry%%=*}
  rest=${entry#*=}
  echo "[$label, qemu -cpu ${rest%%|*}]"
  if [ -s "$build_dir/arm64-$label.impl.txt" ]; then sed 's/^/  /' "$build_dir/arm64-$label.impl.txt"; else echo "  (none reported)"; fi
done
echo
log "=== summary ==="
for line in "${summary[@]}"; do echo "  $line"; done
log "reports: $build_dir/surefire-reports-arm64-<label>, logs: $build_dir/arm64-<label>.log"
exit $status
