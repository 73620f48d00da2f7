#!/usr/bin/env bash
# Regenerates the oneDNN bindings under bindings/src/main/java with the jextract on the PATH, so
# that one set of sources is valid on all five platforms (Linux, macOS, Windows; x86-64 and arm64).
#
#   bindings/generate.sh           regenerate (the committed files are replaced only if all checks pass)
#   bindings/generate.sh --check   regenerate into a temporary directory and compare with the committed
#                                  files; exit 1 if they differ (nothing is replaced)
#
# Reproducible with (the committed files are byte-identical to this output):
#   jextract built from openjdk/jextract commit f9866df (2025; any build from ab6b30f, 2025-05-08,
#     on gives the same output; older builds differ), run on JDK 25
#   libclang 14.0.6 (Debian 12's libclang1-14 + libclang-common-14-dev); libclang 13 gives identical
#     output; libclang 19 silently drops dnnl_exec_arg_t/dnnl_version_t, so only 13-14 are accepted.
# bindings/README.md says how to build such a jextract from source when no binary fits.
#
# How the output is made portable:
#   * compile_flags.txt (read by jextract from its working directory, one clang option per line)
#     makes clang parse for x86_64-pc-windows-msvc: size_t and int64_t are then `long long`, which
#     is 64-bit on every platform (on Linux/macOS they would be `long`, 32-bit on Windows).
#   * jextract still declares C_LONG in DnnlNative$shared with the generating host's layout (OfLong
#     on Linux/macOS, OfInt on Windows) and casts to it in a static initialiser; that cast throws on
#     the other OS and breaks every call. oneDNN's API uses no C long, so the declaration is deleted
#     here, and the script fails if any C_LONG (or another platform-sized type) remains.
# The headers come from the same Maven artifact that carries the native library
# (org.bytedeco:dnnl:<version>:linux-x86_64; the other classifiers' headers differ only in line
# endings), so the bindings always match the library the loader extracts.
#
# Environment:
#   MAVEN_REPO             local Maven repository to read/fetch the jar from (passed to mvn as
#                          -Dmaven.repo.local); default: ~/.m2/repository
#   JEXTRACT_HEADER_PATH   clang's builtin headers (stddef.h, ...) for a jextract built without them,
#                          e.g. /usr/lib/llvm-14/lib/clang/14.0.6/include; found automatically for
#                          Debian/Ubuntu and Homebrew LLVM 13/14 when jextract does not bring its own
# Portable to macOS (BSD sed, grep, mktemp).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
package_dir=io/github/mobilenetj/dnnl/ffi
tested_jextract_commit=f9866df
tested_libclang="13-14"

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: bindings/generate.sh [--check]" >&2; exit 2 ;;
esac

fail() { echo "generate.sh: $*" >&2; exit 1; }

command -v jextract >/dev/null 2>&1 || fail "no 'jextract' on the PATH; see bindings/README.md (binaries: jdk.java.net/jextract, or build openjdk/jextract $tested_jextract_commit from source)"

# ---- the generator: print it, and refuse a libclang outside the tested range
version_text=$(jextract --version 2>&1) || fail "'jextract --version' failed:
$version_text
(a self-built jextract must be run as a module built with --module-version; see bindings/README.md)"
echo "generate.sh: jextract --version:"
printf '%s\n' "$version_text" | sed 's/^/  /'
echo "generate.sh: tested with openjdk/jextract $tested_jextract_commit and libclang $tested_libclang (14.0.6)"
libclang=$(printf '%s\n' "$version_text" | sed -n 's/.*[Ll]ib[Cc]lang version.*clang version \([0-9][0-9]*\)\.\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1.\2.\3/p' | head -n 1)
[ -n "$libclang" ] || fail "could not read the libclang version from 'jextract --version'"
libclang_major=${libclang%%.*}
if [ "$libclang_major" -lt 13 ] || [ "$libclang_major" -gt 14 ]; then
  fail "libclang $libclang is outside the tested range $tested_libclang: libclang 19 drops dnnl_exec_arg_t and dnnl_version_t, and other versions are unverified. Use a jextract with libclang 13 or 14 (bindings/README.md)."
fi

# ---- clang's builtin headers, for a jextract that does not ship them
if [ -z "${JEXTRACT_HEADER_PATH:-}" ]; then
  jextract_bin=$(command -v jextract)
  jextract_dir=$(cd "$(dirname "$jextract_bin")" && pwd -P)
  if [ ! -f "$jextract_dir/../runtime/conf/jextract/stddef.h" ] && [ ! -f "$jextract_dir/../conf/jextract/stddef.h" ]; then
    for candidate in /usr/lib/llvm-"$libclang_major"/lib/clang/*/include \
                     /usr/lib/clang/"$libclang_major"*/include \
                     /opt/homebrew/opt/llvm@"$libclang_major"/lib/clang/*/include \
                     /usr/local/opt/llvm@"$libclang_major"/lib/clang/*/include; do
      if [ -f "$candidate/stddef.h" ]; then JEXTRACT_HEADER_PATH=$candidate; break; fi
    done
  fi
fi
if [ -n "${JEXTRACT_HEADER_PATH:-}" ]; then
  [ -f "$JEXTRACT_HEADER_PATH/stddef.h" ] || fail "JEXTRACT_HEADER_PATH=$JEXTRACT_HEADER_PATH has no stddef.h"
  echo "generate.sh: clang builtin headers from $JEXTRACT_HEADER_PATH (-Djextract.header.path)"
  export JEXTRACT_JAVA_OPTIONS="${JEXTRACT_JAVA_OPTIONS:-} -Djextract.header.path=$JEXTRACT_HEADER_PATH"
fi

# ---- the oneDNN headers
version=$(sed -n 's:.*<dnnl.version>\(.*\)</dnnl.version>.*:\1:p' "$root/pom.xml" | head -n 1)
[ -n "$version" ] || fail "no <dnnl.version> in $root/pom.xml"
classifier=linux-x86_64
repo=${MAVEN_REPO:-$HOME/.m2/repository}
jar="$repo/org/bytedeco/dnnl/$version/dnnl-$version-$classifier.jar"
if [ ! -f "$jar" ]; then
  mvn_repo=()
  if [ -n "${MAVEN_REPO:-}" ]; then mvn_repo=("-Dmaven.repo.local=$MAVEN_REPO"); fi
  mvn -q -B -f "$root/pom.xml" ${mvn_repo[@]+"${mvn_repo[@]}"} dependency:get -Dtransitive=false \
      "-Dartifact=org.bytedeco:dnnl:$version:jar:$classifier" || fail "could not fetch org.bytedeco:dnnl:$version:$classifier"
fi
[ -f "$jar" ] || fail "$jar not found after mvn dependency:get"

work=$(mktemp -d "${TMPDIR:-/tmp}/mobilenetj-bindings.XXXXXX")
trap 'rm -rf "$work"' EXIT
unzip -q "$jar" "org/bytedeco/dnnl/$classifier/include/*" -d "$work/jar"
include="$work/jar/org/bytedeco/dnnl/$classifier/include"

# ---- generate into the temporary directory (jextract reads compile_flags.txt from its working directory)
mkdir "$work/gen"
cp "$here/jextract.args" "$here/mobilenetj_natives.h" "$here/compile_flags.txt" "$work/gen/"
(cd "$work/gen" && jextract -I "$include" @jextract.args mobilenetj_natives.h) \
  || fail "jextract failed; the committed bindings are unchanged"
out="$work/gen/src/main/java/$package_dir"
[ -d "$out" ] || fail "jextract wrote nothing to src/main/java/$package_dir; the committed bindings are unchanged"

# ---- post-process: drop the host-typed C_LONG declaration (portable: no sed -i)
shared="$out/DnnlNative\$shared.java"
[ -f "$shared" ] || fail "DnnlNative\$shared.java was not generated"
grep -v 'public static final ValueLayout\.Of[A-Za-z]* C_LONG = ' "$shared" > "$shared.tmp"
mv "$shared.tmp" "$shared"

# ---- checks: nothing platform-sized left, nothing silently dropped
# (no \b: BSD grep on macOS lacks it)
if grep -nE '(^|[^A-Za-z0-9_])C_LONG([^A-Za-z0-9_]|$)|C_LONG_DOUBLE|C_WCHAR|canonicalLayouts\(\)\.get\("(long|unsigned long|long double|wchar_t)"\)' "$out"/*.java; then
  fail "the output above uses a platform-sized C type (C long is 32-bit on Windows); the committed bindings are unchanged"
fi
for required in DnnlNative.java "DnnlNative\$shared.java" dnnl_exec_arg_t.java dnnl_version_t.java; do
  [ -f "$out/$required" ] || fail "$required was not generated (libclang $libclang drops it?); the committed bindings are unchanged"
done
for fn in $(awk 'prev == "--include-function" { print } { prev = $0 }' "$here/jextract.args"); do
  grep -q "private static class $fn {" "$out/DnnlNative.java" || fail "function $fn was not generated; the committed bindings are unchanged"
done

target="$here/src/main/java/$package_dir"
if [ "$check_only" = 1 ]; then
  if diff -r "$target" "$out" >/dev/null 2>&1; then
    echo "generate.sh: --check: the committed bindings are byte-identical to this generator's output"
    exit 0
  fi
  diff -r "$target" "$out" | head -n 40 >&2 || true
  fail "--check: the committed bindings differ from this generator's output (above)"
fi

# ---- swap only now that everything passed
mkdir -p "$(dirname "$target")"
if [ -d "$target" ]; then
  mv "$target" "$work/previous"
fi
mv "$out" "$target"
if [ -d "$work/previous" ] && diff -r "$work/previous" "$target" >/dev/null 2>&1; then
  echo "generate.sh: bindings regenerated from oneDNN $version headers: unchanged"
else
  echo "generate.sh: bindings regenerated from oneDNN $version headers into bindings/src/main/java (changed; review with git diff)"
fi
