#!/usr/bin/env bash
# mobilenetj serve as CI checks it (.ci/run):
#   1. installs the library into the local Maven repository (tests and javadoc skipped: the root build runs them);
#   2. builds server/ and runs its tests: unit and integration tests on an ephemeral loopback port (every endpoint and
#      status code, binary tensors, classification, images, concurrency, 429/504/503, SIGTERM drain, a load smoke);
#   3. runs the packaged jar the documented way (java -jar), classifies a PNG through it with curl, and stops it with
#      SIGTERM, which must drain and exit 0;
#   4. runs server/load.sh smoke, so that the load script keeps working (seconds; numbers meaningless).
# Usage: server/check.sh (JAVA_HOME must be a JDK 25, as .ci/run sets it).
# MOBILENETJ_M2_REPO=DIR installs into and builds from another local repository than ~/.m2 (parallel checkouts).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
log() { echo "server/check.sh: $*"; }
fail() { echo "server/check.sh: FAILED: $*" >&2; exit 1; }
java="$JAVA_HOME/bin/java"
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || fail "JAVA_HOME must be a JDK 25"
repo=()
[ -n "${MOBILENETJ_M2_REPO:-}" ] && repo=(-Dmaven.repo.local="$MOBILENETJ_M2_REPO")
export MOBILENETJ_M2_REPO="${MOBILENETJ_M2_REPO:-}"

log "1. installing the library (tests and javadoc skipped)"
(cd "$root" && mvn -q -B install -DskipTests -Dmaven.javadoc.skip=true -Dmobilenetj.build.dir="$root/target/server-lib" \
  "${repo[@]}") || fail "installing the library"

log "2. building server/ and running its tests"
(cd "$here" && mvn -B verify "${repo[@]}") || fail "mvn verify in server/"

log "3. java -jar, a PNG classified through curl, SIGTERM"
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$here/pom.xml" | head -1)
jar="$here/target/mobilenetj-server-$version.jar"
out="$here/target/check"
mkdir -p "$out"
"$java" -jar "$jar" --host 127.0.0.1 --port 0 > "$out/server.log" 2>&1 &
pid=$!
trap 'kill -9 $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "mobilenetj serve: ready" "$out/server.log" && break
  kill -0 $pid 2>/dev/null || { cat "$out/server.log" >&2; fail "the server died"; }
  sleep 0.3
done
grep -q "mobilenetj serve: ready" "$out/server.log" || fail "the server was not ready after 180 s"
port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$out/server.log" | head -1)
if command -v curl >/dev/null 2>&1; then
  png="$root/src/main/resources/io/github/mobilenetj/cli/samples/1-trouser.png"
  size=$(stat -c %s "$png")
  header="{\"inputs\":[{\"name\":\"image\",\"datatype\":\"BYTES\",\"shape\":[1],\"parameters\":{\"binary_data_size\":$((size + 4))}}],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"classification\":1}}]}"
  # The BYTES element: a 4-byte little-endian length, then the PNG.
  { printf '%s' "$header"; printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((size & 255)) $((size >> 8 & 255)) $((size >> 16 & 255)) $((size >> 24 & 255)))"; cat "$png"; } > "$out/request.bin"
  answer=$(curl -s -X POST "http://127.0.0.1:$port/v2/models/fashion-mnist/infer" \
    -H "Inference-Header-Content-Length: ${#header}" -H "Content-Type: application/octet-stream" \
    --data-binary @"$out/request.bin")
  echo "    $answer"
  echo "$answer" | grep -q ':1:Trouser"' || fail "the PNG of a trouser was not classified as one: $answer"
  ready=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/health/ready")
  [ "$ready" = 200 ] || fail "ready answered $ready"
else
  log "curl not found: the classification through curl is skipped"
fi
kill -TERM $pid
code=0
wait $pid || code=$?
trap - EXIT
[ $code = 0 ] || { cat "$out/server.log" >&2; fail "the server exited $code after SIGTERM"; }
grep -q "mobilenetj serve: stopped" "$out/server.log" || fail "no drain message after SIGTERM"
log "   drained and exited 0"

log "4. server/load.sh smoke"
"$here/load.sh" smoke --out "$out/load-smoke" > "$out/load-smoke.txt" || { cat "$out/load-smoke.txt" >&2; fail "load.sh smoke"; }
grep -q "SIGTERM: 2 of 2 servers drained and exited 0" "$out/load-smoke.txt" || { cat "$out/load-smoke.txt" >&2; fail "load.sh smoke: SIGTERM"; }
tail -n +1 "$out/load-smoke/report.md" | sed 's/^/    /'
log "ok"
