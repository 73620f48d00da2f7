#!/usr/bin/env bash
# Cross-compiles the C baseline (mobilenet_bench.c) for Windows x86-64 with mingw-w64, against the
# headers and dnnl.dll of org.bytedeco:dnnl:<version>:windows-x86_64, and optionally runs it under
# Wine. This checks, without a Windows machine, that the Windows natives the Java library extracts
# load and compute: which DLLs dnnl.dll needs, and that it runs with them.
#
#   native/build-mingw.sh                 build native/build/mingw/mobilenet_bench.exe (+ dnnl.dll beside it)
#   native/build-mingw.sh --imports       also print the DLLs dnnl.dll imports (objdump -p)
#   native/build-mingw.sh --run ARGS...   build, then run it under wine with ARGS (see --help of the program)
#   native/build-mingw.sh --check         build, then check under wine that it computes the Java library's
#                                         logits (same cases as native/check.sh: 1.0-224 b1, 0.5-160 b2) and that
#                                         dnnl.dll loads without OpenCL.dll; about 30 s
#
# Needs: x86_64-w64-mingw32-gcc, -dlltool, -objdump (Debian: mingw-w64); wine (Debian: wine, wine64)
# for --run; unzip; mvn (only when the jar is not in the local repository yet).
# Environment: MAVEN_REPO_LOCAL (default ~/.m2/repository), WINEPREFIX (default native/build/mingw/wine).
#
# Portability changes to mobilenet_bench.c live in win_compat.h (included only under _WIN32).
# vcomp140.dll (MSVC's OpenMP runtime) exports omp_set_num_threads/omp_get_max_threads on Windows;
# an import library for those two is generated here, because no MSVC import library is at hand.
# Under Wine, vcomp140.dll, msvcp140.dll and vcruntime140*.dll are Wine's own builtin versions.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/build/mingw"
version=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' "$root/pom.xml" | head -n 1)
platform=windows-x86_64
triple=x86_64-w64-mingw32

imports=0
run=0
check=0
if [ "${1:-}" = --imports ]; then imports=1; shift; fi
if [ "${1:-}" = --run ]; then run=1; shift; fi
if [ "${1:-}" = --check ]; then check=1; shift; fi

for tool in "$triple-gcc" "$triple-dlltool" "$triple-objdump" unzip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-mingw.sh: $tool not found (Debian: apt-get install mingw-w64 unzip)" >&2; exit 1; }
done

repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
jar="$repo/org/bytedeco/dnnl/$version/dnnl-$version-$platform.jar"
if [ ! -f "$jar" ]; then
  echo "build-mingw.sh: fetching org.bytedeco:dnnl:$version:$platform" >&2
  mvn -q -B -f "$root/pom.xml" "-Dmaven.repo.local=$repo" dependency:get \
      "-Dartifact=org.bytedeco:dnnl:$version:jar:$platform" -Dtransitive=false
fi
[ -f "$jar" ] || { echo "build-mingw.sh: $jar not found after mvn dependency:get" >&2; exit 1; }

mkdir -p "$out"
stamp="$(wc -c < "$jar") $jar"
if [ ! -f "$out/.extracted" ] || [ "$(cat "$out/.extracted")" != "$stamp" ] || [ ! -f "$out/dnnl.dll" ]; then
  tmp="$(mktemp -d "$out/.unzip.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  prefix="org/bytedeco/dnnl/$platform"
  unzip -q -o "$jar" "$prefix/include/*" "$prefix/dnnl.dll" -d "$tmp"
  rm -rf "$out/include"
  mv "$tmp/$prefix/include" "$out/include"
  mv -f "$tmp/$prefix/dnnl.dll" "$out/"
  echo "$stamp" > "$out/.extracted"
fi

if [ "$imports" = 1 ]; then
  echo "build-mingw.sh: DLLs dnnl.dll imports (load-time dependencies):"
  "$triple-objdump" -p "$out/dnnl.dll" | sed -n 's/^[[:space:]]*DLL Name: //p' | sed 's/^/  /'
fi

# Import library for the two OpenMP calls the program makes (both exported by vcomp140.dll).
cat > "$out/vcomp140.def" <<'DEF'
LIBRARY vcomp140.dll
EXPORTS
omp_set_num_threads
omp_get_max_threads
DEF
"$triple-dlltool" -d "$out/vcomp140.def" -l "$out/libvcomp140.a"

"$triple-gcc" -O2 -std=c11 -ffp-contract=off -Wall -Wextra -Wno-unused-parameter \
  -D__USE_MINGW_ANSI_STDIO=1 -I"$out/include" \
  -o "$out/mobilenet_bench.exe" "$here/mobilenet_bench.c" \
  "$out/dnnl.dll" "$out/libvcomp140.a" -static-libgcc
echo "build-mingw.sh: built $out/mobilenet_bench.exe (dnnl.dll beside it)"
"$triple-objdump" -p "$out/mobilenet_bench.exe" | sed -n 's/^[[:space:]]*DLL Name: /  imports /p'

if [ "$check" = 1 ]; then
  wine=$(command -v wine64 || command -v wine || true)
  [ -n "$wine" ] || { echo "build-mingw.sh: wine not found (Debian: apt-get install wine wine64)" >&2; exit 1; }
  export WINEPREFIX="${WINEPREFIX:-$out/wine}" WINEDEBUG="${WINEDEBUG:--all}"
  is_jdk25() { [ -n "${1:-}" ] && "$1/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; }
  if ! is_jdk25 "${JAVA_HOME:-}"; then
    for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64; do
      if is_jdk25 "$candidate"; then JAVA_HOME=$candidate; break; fi
    done
  fi
  is_jdk25 "${JAVA_HOME:-}" || { echo "build-mingw.sh: no JDK 25 found; set JAVA_HOME" >&2; exit 1; }
  # NativeCheckData needs the library and its test fixtures (TestWeights).
  classes="${MOBILENETJ_CLASSES:-$root/target/classes}"
  test_classes="$(dirname "$classes")/test-classes"
  if [ ! -f "$classes/io/github/mobilenetj/model/MobileNetV1.class" ] \
      || [ ! -f "$test_classes/io/github/mobilenetj/model/TestWeights.class" ]; then
    echo "build-mingw.sh: compiling the library and its test fixtures (mvn -q -B -DskipTests test-compile)"
    (cd "$root" && JAVA_HOME=$JAVA_HOME mvn -q -B -DskipTests test-compile)
    classes="$root/target/classes"
    test_classes="$root/target/test-classes"
  fi
  linux_jar="$repo/org/bytedeco/dnnl/$version/dnnl-$version-linux-x86_64.jar"
  [ -f "$linux_jar" ] || { echo "build-mingw.sh: $linux_jar missing (mvn -B verify fetches it)" >&2; exit 1; }
  failures=0
  for case in "1.0 224 1000 1 42" "0.5 160 1000 2 7"; do
    set -- $case
    dir="$out/check/a$1_r$2_b$4"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$classes:$test_classes:$linux_jar" \
      "$here/NativeCheckData.java" "$dir" "$@" >/dev/null
    rel="check\\a$1_r$2_b$4"
    if (cd "$out" && WINEDLLOVERRIDES="opencl=d" "$wine" ./mobilenet_bench.exe --weights "$rel\\weights.safetensors" \
          --alpha "$1" --resolution "$2" --classes "$3" --batch "$4" --threads 2 --input "$rel\\input.bin" \
          --expect "$rel\\logits.bin" --tolerance 1e-4) | tr -d '\r' | tail -n 1 | sed 's/^/build-mingw.sh: wine: /' | grep -q ': OK$'; then
      echo "build-mingw.sh: Windows dnnl.dll under Wine, alpha $1 ${2}x$2 batch $4 (OpenCL.dll disabled): OK"
    else
      echo "build-mingw.sh: Windows dnnl.dll under Wine, alpha $1 ${2}x$2 batch $4: FAILED" >&2
      failures=$((failures + 1))
    fi
  done
  [ "$failures" = 0 ] || exit 1
  echo "build-mingw.sh: all Windows checks passed"
  exit 0
fi

if [ "$run" = 1 ]; then
  wine=$(command -v wine64 || command -v wine || true)
  [ -n "$wine" ] || { echo "build-mingw.sh: wine not found (Debian: apt-get install wine wine64)" >&2; exit 1; }
  export WINEPREFIX="${WINEPREFIX:-$out/wine}" WINEDEBUG="${WINEDEBUG:--all}"
  # The program and dnnl.dll sit in one directory, which Windows searches first for imports.
  cd "$out"
  exec "$wine" ./mobilenet_bench.exe "$@"
fi
