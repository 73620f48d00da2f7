#!/usr/bin/env bash
# mobilenetj on Apache Spark 4.2 (spark/README.md), checked on this machine:
#   1. mvn verify in spark/: the JUnit tests in a local[2] SparkSession (the 10,000 Fashion-MNIST test images as PNG
#      files through the job into Parquet and as a tensor column: the single-JVM predictions and 93.23 %; one model
#      load per executor; corrupt files give error rows; the ML API; the executor plugin), then the two jars;
#   2. java -jar target/mobilenetj-spark-local.jar on a small directory (no Spark installation);
#   3. the application jar through Spark's own launcher, as bin/spark-submit runs it (org.apache.spark.launcher.Main
#      builds the java command, with Spark's JVM options, from a SPARK_HOME made of the Maven jars);
#   4. the same on a standalone cluster on 127.0.0.1 (a master and a worker started from those jars; two executor JVMs
#      of one core each): the model is loaded once in each executor, and each frees it when it stops.
#      SPARK_CHECK_SKIP_STANDALONE=1 skips this step.
# Needs the library installed in the local Maven repository (consumer/check.sh does that in .ci/run; this script
# installs it when it is missing). MAVEN_REPO_LOCAL=DIR uses another local repository (-Dmaven.repo.local).
# Usage: spark/check.sh (from anywhere; JAVA_HOME must be a JDK 25.0.3 or newer).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
spark="$root/spark"
log() { echo "spark/check.sh: $*"; }
fail() { echo "spark/check.sh: FAILED: $*" >&2; exit 1; }
java="$JAVA_HOME/bin/java"
"$java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])' || fail "JAVA_HOME must be a JDK 25"
repo_args=()
repo="$HOME/.m2/repository"
if [ -n "${MAVEN_REPO_LOCAL:-}" ]; then
  repo_args=(-Dmaven.repo.local="$MAVEN_REPO_LOCAL")
  repo=$MAVEN_REPO_LOCAL
fi
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$root/pom.xml" | head -1)
if [ ! -f "$repo/io/github/mobilenetj/mobilenetj/$version/mobilenetj-$version.jar" ]; then
  log "mobilenetj $version is not in $repo: installing it (tests and javadoc skipped)"
  (cd "$root" && mvn -q -B install -DskipTests -Dmaven.javadoc.skip=true -Dmobilenetj.build.dir="$root/target/spark-lib-build" \
    "${repo_args[@]}")
fi

log "1. mvn verify (JUnit in local[2], then the jars)"
start=$SECONDS
(cd "$spark" && mvn -B verify "${repo_args[@]}") || fail "mvn verify"
log "mvn verify: $((SECONDS - start)) s"
target="$spark/target"
[ -f "$target/mobilenetj-spark.jar" ] && [ -f "$target/mobilenetj-spark-local.jar" ] || fail "jars missing"
if unzip -l "$target/mobilenetj-spark.jar" | grep -qE ' org/apache/spark/| scala/'; then
  fail "mobilenetj-spark.jar bundles Spark or Scala; it must not (the cluster provides them)"
fi

work="$target/check"
rm -rf "$work" && mkdir -p "$work/images/nested"
cp "$root"/src/main/resources/io/github/mobilenetj/cli/samples/*.png "$work/images/"
mv "$work/images/9-ankle-boot.png" "$work/images/nested/"
head -c 100 "$work/images/0-t-shirt-top.png" > "$work/images/truncated.png"
expect_run() { # expect_run NAME OUTPUT-DIR EXECUTORS COMMAND...: 11 files classified, 10 labelled, 1 error
  local name=$1 out=$2 executors=$3; shift 3
  local output
  output=$("$@" 2>"$work/$name.stderr") || { tail -n 30 "$work/$name.stderr" >&2; fail "$name: exit code $?"; }
  echo "$output" | sed 's/^/    /'
  echo "$output" | grep -q "classified 11 file(s) .*: 10 labelled, 1 with an error" || fail "$name: not 11 files, 1 error"
  echo "$output" | grep -q "the model was loaded $executors time(s) on $executors executor(s)" || fail "$name: model loads"
  [ -f "$out/_SUCCESS" ] && ls "$out"/part-*.parquet >/dev/null || fail "$name: no Parquet in $out"
  log "$name: ok"
}

log "2. java -jar mobilenetj-spark-local.jar (local[*], no Spark installation)"
expect_run local "$work/local.parquet" 1 \
  "$java" -jar "$target/mobilenetj-spark-local.jar" --input "$work/images" --output "$work/local.parquet"

log "3. spark-submit --class io.github.mobilenetj.spark.ClassifyJob mobilenetj-spark.jar, through Spark's launcher"
home="$work/spark-home"
mkdir -p "$home" && ln -s "$target/spark-lib" "$home/jars" && echo "Spark 4.2.0 (the Maven jars)" > "$home/RELEASE"
export SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
submit() { # submit ARGS...: sets command to the java command bin/spark-submit ARGS... would run
  local raw
  mapfile -d '' raw < <("$java" -cp "$target/spark-lib/*" org.apache.spark.launcher.Main org.apache.spark.deploy.SparkSubmit "$@")
  # As bin/spark-class reads it: messages, then a NUL and a newline, then the arguments, each ended by a NUL.
  command=("${raw[@]:1}")
  command[0]=${command[0]#$'\n'}
  [ "${#command[@]}" -gt 3 ] || fail "Spark's launcher gave no command"
}
submit --master 'local[2]' --class io.github.mobilenetj.spark.ClassifyJob \
  "$target/mobilenetj-spark.jar" --input "$work/images" --output "$work/submit.parquet"
printf '%s\n' "${command[@]}" | grep -qx -- "--enable-native-access=ALL-UNNAMED" \
  || fail "Spark's launcher no longer gives the driver --enable-native-access=ALL-UNNAMED"
expect_run spark-submit "$work/submit.parquet" 1 "${command[@]}"

if [ "${SPARK_CHECK_SKIP_STANDALONE:-0}" = 1 ]; then
  log "4. standalone cluster: skipped (SPARK_CHECK_SKIP_STANDALONE=1)"
  log "all checks passed"
  exit 0
fi
log "4. a standalone cluster on 127.0.0.1: one master, one worker with 2 cores, two executors of 1 core"
daemons=()
stop_daemons() { for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_daemons EXIT
read -r -a jvm_options < <("$java" -cp "$target/spark-lib/*" "$spark/src/test/java/io/github/mobilenetj/spark/PrintJavaOptions.java")
daemon() { # daemon LOG CLASS ARGS...: starts a Spark daemon as bin/spark-class would
  local out=$1; shift
  "$java" "${jvm_options[@]}" -Xmx512m -cp "$home/conf:$home/jars/*" -Dspark.master.rest.enabled=false "$@" >"$out" 2>&1 &
  daemons+=($!)
}
wait_for() { # wait_for FILE PATTERN SECONDS
  local i
  for ((i = 0; i < $3; i++)); do grep -q "$2" "$1" && return 0; sleep 1; done
  tail -n 20 "$1" >&2; fail "no '$2' in $1 after $3 s"
}
daemon "$work/master.log" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 0 --webui-port 0
wait_for "$work/master.log" "Starting Spark master at spark://" 120
url=$(grep -o 'spark://127.0.0.1:[0-9]*' "$work/master.log" | head -1)
daemon "$work/worker.log" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 2 --memory 2g --webui-port 0 \
  --work-dir "$work/worker" "$url"
wait_for "$work/worker.log" "Successfully registered with master" 120
submit --master "$url" --conf spark.executor.cores=1 --conf spark.executor.memory=512m --conf spark.cores.max=2 \
  --class io.github.mobilenetj.spark.ClassifyJob "$target/mobilenetj-spark.jar" \
  --input "$work/images" --output "$work/cluster.parquet"
expect_run standalone "$work/cluster.parquet" 2 timeout 600 "${command[@]}"
closed=0 killed=0
for stderr in "$work"/worker/app-*/*/stderr; do
  grep "^Spark Executor Command" "$stderr" | grep -q -- "--enable-native-access=ALL-UNNAMED" \
    || fail "$stderr: the executor's java command lacks --enable-native-access=ALL-UNNAMED"
  grep -q "Initialized executor component for plugin io.github.mobilenetj.spark.MobileNetPlugin" "$stderr" \
    || fail "$stderr: the plugin was not initialized"
  # Executor.stop() closes the models through the plugin, but the worker sends SIGTERM as soon as the
  # application ends and stops copying the executor's stderr first: an executor whose signal came while it was
  # stopping exits (the OS frees its memory) with nothing more in its log. The plugin's close itself is tested
  # in local mode (FashionMnistOnSparkTest); here each executor must log the close or show that it was killed.
  for ((i = 0; i < 60; i++)); do
    grep -q "mobilenetj: closed MobileNetV1\|RECEIVED SIGNAL TERM" "$stderr" && break
    sleep 1
  done
  if grep -q "mobilenetj: closed MobileNetV1" "$stderr"; then
    closed=$((closed + 1))
  elif grep -q "RECEIVED SIGNAL TERM" "$stderr"; then
    killed=$((killed + 1))
  else
    tail -n 20 "$stderr" >&2; fail "$stderr: the executor neither closed its model nor was killed after 60 s"
  fi
done
log "standalone: each executor JVM had native access and loaded the model once; $closed closed it when it stopped," \
  "$killed got the worker's SIGTERM while stopping (its log cut there)"
log "all checks passed"
