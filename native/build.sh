#!/usr/bin/env bash
# Builds native/build/mobilenet_bench against the oneDNN headers and library carried by the Maven
# artifact org.bytedeco:dnnl:3.13-1.5.14:<platform> (the same binary the Java library loads).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$here/build"
version=3.13-1.5.14

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x86_64 ;;
  Linux-aarch64) platform=linux-arm64 ;;   # untested
  *) echo "build.sh: unsupported platform $(uname -s)-$(uname -m) (Linux x86-64 or arm64 only)" >&2; exit 1 ;;
esac

repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
jar="$repo/org/bytedeco/dnnl/$version/dnnl-$version-$platform.jar"
if [ ! -f "$jar" ]; then
  echo "build.sh: fetching org.bytedeco:dnnl:$version:$platform" >&2
  mvn -q -B dependency:get -Dartifact="org.bytedeco:dnnl:$version:jar:$platform" -Dtransitive=false
fi
[ -f "$jar" ] || { echo "build.sh: $jar not found after mvn dependency:get" >&2; exit 1; }

mkdir -p "$build"
# Extract headers and natives once per jar (keyed by the jar's size and mtime).
stamp="$(stat -c '%s %Y' "$jar") $jar"
if [ ! -f "$build/.extracted" ] || [ "$(cat "$build/.extracted")" != "$stamp" ] \
    || [ ! -f "$build/libdnnl.so.3" ] || [ ! -f "$build/include/oneapi/dnnl/dnnl.h" ]; then
  tmp="$(mktemp -d "$build/.unzip.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  prefix="org/bytedeco/dnnl/$platform"
  unzip -q -o "$jar" "$prefix/include/*" "$prefix/libdnnl.so.3" "$prefix/libgomp.so.1" -d "$tmp"
  rm -rf "$build/include"
  mv "$tmp/$prefix/include" "$build/include"
  mv -f "$tmp/$prefix/libdnnl.so.3" "$tmp/$prefix/libgomp.so.1" "$build/"
  echo "$stamp" > "$build/.extracted"
fi

${CC:-gcc} -O2 -std=c11 -ffp-contract=off -Wall -Wextra -Wno-unused-parameter \
  -I"$build/include" \
  -o "$build/mobilenet_bench" "$here/mobilenet_bench.c" \
  "$build/libdnnl.so.3" "$build/libgomp.so.1" -lm -lpthread \
  -Wl,-rpath,'$ORIGIN'
echo "built $build/mobilenet_bench"
