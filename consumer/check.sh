#!/usr/bin/env bash
# The library as a team adopts it: a separate Maven project (consumer/) depending on mobilenetj, using only its
# exported packages. Checks, on this machine:
#   1. built "on macOS arm64" (-Dos.name=Mac_OS_X -Dos.arch=aarch64), it runs here (linux-x86_64): the natives of
#      every platform come with the library, whatever OS builds the application;
#   2. it runs from the class path and from the module path;
#   3. slimmed to one platform's natives (the README's recipe) it runs, and slimmed to another platform's it fails
#      with one clear message naming the missing jar;
#   4. a JDK older than 25 gets one clear line, from Maven and from the runnable jar.
# Usage: consumer/check.sh (from anywhere; JAVA_HOME must be a JDK 25, as .ci/run sets it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { echo "consumer/check.sh: $*"; }
fail() { echo "consumer/check.sh: FAILED: $*" >&2; exit 1; }
java="$JAVA_HOME/bin/java"
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || fail "JAVA_HOME must be a JDK 25"
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
work="$root/consumer/target/check"
rm -rf "$work" && mkdir -p "$work"
cache="-Dmobilenetj.cache.dir=$work/native-cache"

log "installing mobilenetj $version into the local Maven repository (tests and javadoc skipped: mvn verify runs them)"
mvn -q -B install -DskipTests -Dmaven.javadoc.skip=true -Dmobilenetj.build.dir="$root/target/consumer-lib"

build() { # build DIR MAVEN-ARGS...: packages the consumer into DIR (classes + lib/)
  local out=$1; shift
  (cd consumer && mvn -q -B clean package "$@") || fail "mvn package $*"
  mkdir -p "$out" && cp -r consumer/target/classes "$out/classes" && cp -r consumer/target/lib "$out/lib"
}
expect() { # expect NAME EXPECTED-TEXT COMMAND...: runs COMMAND, needs exit 0 and EXPECTED-TEXT on stdout
  local name=$1 text=$2; shift 2
  local output
  output=$("$@" 2>&1) || { echo "$output" >&2; fail "$name: exit code $?"; }
  echo "$output" | grep -q -- "$text" || { echo "$output" >&2; fail "$name: no '$text' in the output"; }
  echo "$output" | sed 's/^/    /'
  log "$name: ok"
}

log "1. building the consumer as if on macOS arm64"
build "$work/mac" -Dos.name=Mac_OS_X -Dos.arch=aarch64 -Dos.family=mac
for platform in linux-x86_64 linux-arm64 macosx-arm64 macosx-x86_64 windows-x86_64; do
  [ -f "$work/mac/lib/dnnl-3.13-1.5.14-$platform.jar" ] || fail "the consumer's dependencies lack the $platform natives"
done
lib_jar="$work/mac/lib/mobilenetj-$version.jar"
dnnl_jars=$(ls "$work/mac"/lib/dnnl-*.jar | tr '\n' ':')

log "2a. class path"
expect "class path" "top 3 \[Prediction\[classIndex=1, label=Trouser" \
  "$java" --enable-native-access=ALL-UNNAMED "$cache" -cp "$work/mac/classes:$work/mac/lib/*" example.consumer.Classify
log "2b. module path (the library and the consumer as modules; the natives' resource jars on the class path)"
expect "module path" "mobilenetj module io.github.mobilenetj, consumer module" \
  "$java" --enable-native-access=io.github.mobilenetj "$cache" --module-path "$work/mac/classes:$lib_jar" \
  --class-path "$dnnl_jars" -m example.consumer/example.consumer.Classify

log "3a. slimmed to linux-x86_64's natives"
build "$work/slim-linux" -Dslim.platform=linux-x86_64
[ "$(ls "$work/slim-linux"/lib/dnnl-*.jar | wc -l)" = 1 ] || fail "slim build kept more than one natives jar"
expect "slim linux-x86_64" "label=Trouser" \
  "$java" --enable-native-access=ALL-UNNAMED "$cache" -cp "$work/slim-linux/classes:$work/slim-linux/lib/*" \
  example.consumer.Classify
log "3b. slimmed to macosx-arm64's natives, run on linux-x86_64: must fail with one clear message"
build "$work/slim-mac" -Dslim.platform=macosx-arm64
set +e
output=$("$java" --enable-native-access=ALL-UNNAMED "$cache" -cp "$work/slim-mac/classes:$work/slim-mac/lib/*" \
  example.consumer.Classify 2>&1)
code=$?
set -e
echo "$output" | sed 's/^/    /' | head -5
[ $code != 0 ] || fail "slim macosx-arm64 build ran on linux-x86_64"
echo "$output" | grep -q "org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64" || fail "the error does not name the missing jar"
log "slim macosx-arm64 on linux-x86_64: refused, naming org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64"

log "4. an older JDK gets one clear line"
old=""
for candidate in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-arm64; do
  [ -x "$candidate/bin/java" ] && { old=$candidate; break; }
done
if [ -z "$old" ]; then
  log "no JDK 17 or 21 here; step 4 skipped"
else
  set +e
  output=$(JAVA_HOME=$old MAVEN_OPTS= mvn -B -q validate -Dmobilenetj.build.dir="$work/old-jdk" 2>&1)
  code=$?
  set -e
  [ $code != 0 ] || fail "mvn validate on $old succeeded"
  echo "$output" | grep -q "mobilenetj needs JDK 25 or newer" || { echo "$output" >&2; fail "mvn on $old: no 'needs JDK 25' message"; }
  echo "$output" | grep "needs JDK 25" | head -1 | sed 's/^/    /'
  cli_jar=$(ls "$root"/target/consumer-lib/mobilenetj-*-cli.jar | head -1)
  set +e
  output=$("$old/bin/java" -jar "$cli_jar" help 2>&1)
  code=$?
  set -e
  [ $code = 1 ] || fail "java -jar on $old: exit code $code, expected 1"
  [ "$(echo "$output" | wc -l)" = 1 ] && echo "$output" | grep -q "mobilenetj needs Java 25 or newer" \
    || { echo "$output" >&2; fail "java -jar on $old: not one clear line"; }
  echo "    $output"
  log "$old: Maven and java -jar both say JDK 25 is needed"
fi
log "all checks passed"
