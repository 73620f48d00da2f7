#!/usr/bin/env bash
# Spark's overhead on this machine: the 10,000 Fashion-MNIST test images classified by
#   - the single-JVM `mobilenetj evaluate` (IDX file, batch 32, one session of 1 and of 2 OpenMP threads), and
#   - the Spark job in local[2] (java -jar mobilenetj-spark-local.jar: the same images as PNG files, read with the
#     binaryFile source, decoded, classified in batches of 32 by 2 tasks x 1 thread, written as Parquet),
# interleaved round by round (the machine is shared). Prints each run's images/s as the program reports it, its wall
# time and CPU time (user + sys) as /usr/bin/time measures the whole process, and the CPU model.
# Needs spark/target (mvn package in spark/), the library's -cli jar in the local Maven repository
# (MAVEN_REPO_LOCAL overrides ~/.m2/repository) and /usr/share/datasets/fashion-mnist.
# Usage: spark/measure.sh [ROUNDS]   (default 3; about 2 minutes per round on an idle 2-core machine)
set -euo pipefail
spark=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-3}
java="$JAVA_HOME/bin/java"
repo=${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}
cli=$(ls "$repo"/io/github/mobilenetj/mobilenetj/0.1.0-SNAPSHOT/mobilenetj-0.1.0-SNAPSHOT-cli.jar)
work="$spark/target/measure"
mkdir -p "$work"
if [ ! -f "$work/png/09999.png" ]; then
  rm -rf "$work/png"
  "$java" -cp "$cli" "$spark/src/test/java/io/github/mobilenetj/spark/WriteFashionMnistPngs.java" \
    /usr/share/datasets/fashion-mnist "$work/png"
fi
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $("$java" -version 2>&1 | head -1)"
run() { # run NAME COMMAND...: prints NAME, the program's images/s line, wall and CPU seconds
  local name=$1; shift
  local out
  out=$( { /usr/bin/time -f "TIME %e %U %S" "$@" 2>&1 1>&3 3>&- | grep '^TIME'; } 3>&1 )
  local rate wall cpu
  rate=$(echo "$out" | grep -o '[0-9.]* images/s[^,)]*' | tail -1)
  read -r wall cpu < <(echo "$out" | awk '/^TIME/ {print $2, $3 + $4}')
  printf '%-28s %-44s wall %6.1f s  cpu %6.1f s\n' "$name" "$rate" "$wall" "$cpu"
}
for ((r = 1; r <= rounds; r++)); do
  echo "round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  run "evaluate, 1 thread" "$java" --enable-native-access=ALL-UNNAMED -jar "$cli" evaluate --threads 1
  run "evaluate, 2 threads" "$java" --enable-native-access=ALL-UNNAMED -jar "$cli" evaluate --threads 2
  rm -rf "$work/out.parquet"
  run "spark local[2], PNG->Parquet" "$java" -jar "$spark/target/mobilenetj-spark-local.jar" --master 'local[2]' \
    --input "$work/png" --output "$work/out.parquet"
done
# Steady state, JIT warm, in one JVM: the same PNG files through a plain single-JVM loop and through the transformer
# (no JVM or Spark start-up, no Parquet): Spark's per-image overhead.
echo "in one JVM, warm (WarmThroughput):"
read -r -a options < <("$java" -cp "$spark/target/spark-lib/*" "$spark/src/test/java/io/github/mobilenetj/spark/PrintJavaOptions.java")
"$java" "${options[@]}" -Dlog4j2.configurationFile=io/github/mobilenetj/spark/log4j2-local.properties \
  -cp "$spark/target/mobilenetj-spark.jar:$spark/target/spark-lib/*" \
  "$spark/src/test/java/io/github/mobilenetj/spark/WarmThroughput.java" "$work/png" 2>&1 | grep '^round'
