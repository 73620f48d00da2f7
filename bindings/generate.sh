#!/usr/bin/env bash
# Regenerates the oneDNN bindings under bindings/src/main/java with the jextract on the PATH.
#
# The headers come from the same Maven artifact that carries the native library
# (org.bytedeco:dnnl:<version>:linux-x86_64), so the bindings always match the
# library the loader extracts. The C API is the same on every platform; the
# x86-64 Linux headers are used so that the output is reproducible anywhere.
# Get jextract from https://jdk.java.net/jextract/ (it needs JDK 22+ to run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

command -v jextract >/dev/null 2>&1 || {
  echo "generate.sh: no 'jextract' on the PATH; download it from https://jdk.java.net/jextract/" >&2
  exit 1
}

version=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' "$root/pom.xml")
classifier=linux-x86_64
repo=${MAVEN_REPO:-$HOME/.m2/repository}
jar="$repo/org/bytedeco/dnnl/$version/dnnl-$version-$classifier.jar"
if [ ! -f "$jar" ]; then
  mvn -q -f "$root/pom.xml" dependency:get -Dtransitive=false \
      "-Dartifact=org.bytedeco:dnnl:$version:jar:$classifier"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unzip -q "$jar" "org/bytedeco/dnnl/$classifier/include/*" -d "$work"
include="$work/org/bytedeco/dnnl/$classifier/include"

cd "$here"
rm -rf src/main/java/io/github/mobilenetj/dnnl/ffi
jextract -I "$include" @jextract.args mobilenetj_natives.h
echo "generate.sh: bindings regenerated from oneDNN $version headers into bindings/src/main/java"
