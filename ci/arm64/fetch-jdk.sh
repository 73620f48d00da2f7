#!/usr/bin/env bash
# Fetches an arm64 (aarch64) JDK 25 and the runtime libraries it needs from Debian trixie into
# ci/arm64/.work/sysroot, for running under qemu-aarch64 -L <sysroot>. Nothing is installed into
# the host: apt runs with a private configuration, package lists, cache and an empty dpkg status
# (so the whole dependency closure is resolved), and the .debs are unpacked with dpkg-deb -x.
# Idempotent: does nothing when the sysroot's java already exists (FORCE=1 rebuilds it).
#
# Environment:
#   ARM64_WORK    work directory (default: ci/arm64/.work)
#   DEBIAN_MIRROR mirror URL (default: the deb.debian.org host the machine's own apt uses)
#   JDK_PACKAGE   package to fetch (default: openjdk-25-jre-headless)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
work=${ARM64_WORK:-$here/.work}
sysroot=$work/sysroot
package=${JDK_PACKAGE:-openjdk-25-jre-headless}
jdk_rel=usr/lib/jvm/java-25-openjdk-arm64

if [ -x "$sysroot/$jdk_rel/bin/java" ] && [ -f "$sysroot/.complete" ] && [ "${FORCE:-0}" != 1 ]; then
  echo "fetch-jdk: $sysroot already has $package ($(cat "$sysroot/.complete"))"
  exit 0
fi

for tool in apt-get dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "fetch-jdk: $tool is required (Debian/Ubuntu host)" >&2; exit 1; }
done

# The mirror host this machine's apt already uses (deb822 .sources or one-line .list), else deb.debian.org.
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$( { grep -hsE '^[[:space:]]*URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}';
              grep -hsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
                | sed -E 's/\[[^]]*\]//' | awk '{print $2}'; } \
            | grep -E '/debian/?$' | grep -v security | head -n1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi
mirror=${mirror%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { echo "fetch-jdk: $keyring missing (package debian-archive-keyring)" >&2; exit 1; }

apt_root=$work/apt
rm -rf "$work/debs"   # only this run's .debs, so a version bump cannot leave two of a package
mkdir -p "$apt_root"/{etc/apt.conf.d,etc/preferences.d,etc/trusted.gpg.d,state/lists/partial,cache/archives/partial,log} "$work/debs"
: > "$apt_root/status"    # empty dpkg status: every dependency is "missing", so the closure is complete
cat > "$apt_root/etc/sources.list" <<SOURCES
deb [arch=arm64 signed-by=$keyring] $mirror trixie main
deb [arch=arm64 signed-by=$keyring] $mirror trixie-updates main
deb [arch=arm64 signed-by=$keyring] ${mirror%/debian}/debian-security trixie-security main
SOURCES
# APT_CONFIG is read first; pointing Dir::Etc::Parts/main elsewhere keeps the host's apt.conf(.d) out.
cat > "$apt_root/apt.conf" <<CONF
Dir::Etc "$apt_root/etc";
Dir::Etc::main "/dev/null";
Dir::Etc::Parts "$apt_root/etc/apt.conf.d";
Dir::Etc::SourceList "$apt_root/etc/sources.list";
Dir::Etc::SourceParts "$apt_root/etc/sources.list.d";
Dir::Etc::Preferences "$apt_root/etc/preferences";
Dir::Etc::PreferencesParts "$apt_root/etc/preferences.d";
Dir::Etc::Trusted "$apt_root/etc/trusted.gpg";
Dir::Etc::TrustedParts "$apt_root/etc/trusted.gpg.d";
Dir::State "$apt_root/state";
Dir::State::Lists "$apt_root/state/lists";
Dir::State::status "$apt_root/status";
Dir::Cache "$apt_root/cache";
Dir::Log "$apt_root/log";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
APT::Install-Recommends "false";
APT::Get::List-Cleanup "false";
Acquire::Languages "none";
Acquire::IndexTargets::deb::DEP-11::DefaultEnabled "false";
Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled "false";
Debug::NoLocking "true";
CONF
# Mirrors that serve a frozen snapshot need these, as the host's own apt config does.
if [ "${APT_IGNORE_VALID_UNTIL:-1}" = 1 ]; then
  printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' >> "$apt_root/apt.conf"
fi
export APT_CONFIG=$apt_root/apt.conf
apt_get() { apt-get -q -o Debug::NoLocking=1 "$@"; }

echo "fetch-jdk: resolving $package for arm64 from $mirror trixie"
apt_get update >"$work/apt-update.log" 2>&1 || { cat "$work/apt-update.log" >&2; exit 1; }

# The dependency closure of $package, computed against the empty status file.
apt_get -s install "$package" >"$work/closure.txt"
mapfile -t pkgs < <(awk '/^Inst /{print $2}' "$work/closure.txt" | sort -u)
[ "${#pkgs[@]}" -gt 0 ] || { echo "fetch-jdk: apt resolved nothing for $package" >&2; cat "$work/closure.txt" >&2; exit 1; }
echo "fetch-jdk: ${#pkgs[@]} packages in the closure"

(cd "$work/debs" && apt_get download "${pkgs[@]/%/:arm64}" >"$work/apt-download.log" 2>&1) \
  || (cd "$work/debs" && apt_get download "${pkgs[@]}" >>"$work/apt-download.log" 2>&1) \
  || { cat "$work/apt-download.log" >&2; exit 1; }

rm -rf "$sysroot.tmp"
mkdir -p "$sysroot.tmp"
for pkg in "${pkgs[@]}"; do
  # pkg may carry ":arm64"; the .deb name uses the bare name and arch arm64 or all.
  name=${pkg%%:*}
  deb=$(ls "$work/debs/${name}_"*_{arm64,all}.deb 2>/dev/null | head -n1 || true)
  [ -n "$deb" ] || { echo "fetch-jdk: no .deb for $name in $work/debs" >&2; exit 1; }
  dpkg-deb -x "$deb" "$sysroot.tmp"
done

# Absolute symlinks (e.g. lib/jvm.cfg -> /etc/java-25-openjdk/jvm-arm64.cfg) would be resolved by the
# host kernel outside the sysroot; make them relative so they stay inside it.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case $target in
    /*) rel=$(realpath -m --relative-to="$(dirname "$link")" "$sysroot.tmp$target")
        ln -sfn "$rel" "$link" ;;
  esac
done < <(find "$sysroot.tmp" -type l -print0)

# The dynamic loader is asked for by absolute path; Debian's usrmerge puts it under /usr/lib.
if [ ! -e "$sysroot.tmp/lib/ld-linux-aarch64.so.1" ]; then
  mkdir -p "$sysroot.tmp/lib"
  ln -sfn ../usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1 "$sysroot.tmp/lib/ld-linux-aarch64.so.1"
fi
[ -x "$sysroot.tmp/$jdk_rel/bin/java" ] || { echo "fetch-jdk: $jdk_rel/bin/java missing after unpacking" >&2; exit 1; }

version=$(awk -v p="$package" '$1=="Inst" && $2 ~ "^"p"(:arm64)?$" {gsub(/[()]/,"",$3); print $3}' "$work/closure.txt")
rm -rf "$sysroot"
mv "$sysroot.tmp" "$sysroot"
echo "$package $version" > "$sysroot/.complete"
rm -rf "$apt_root/cache"   # apt's binary package caches (~80 MB); lists and .debs stay for inspection
echo "fetch-jdk: $package $version unpacked into $sysroot ($(du -sh "$sysroot" | cut -f1))"
