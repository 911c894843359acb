#!/usr/bin/env bash
# build-kernel.sh — build Debian's 6.12 kernel source with PCI P2PDMA and dma-debug
# for the P2P lab (scripts/lab/p2p.sh, scripts/lab/P2P.md).
#
#   scripts/lab/build-kernel.sh            # fetch, unpack, configure, build (incremental)
#   P2P_JOBS=4 scripts/lab/build-kernel.sh
#
# Steps: `apt-get download linux-source-6.12` + `dpkg -x` (nothing installed on the
# host), unpack the tarball into the cache (outside git), `make defconfig`, merge
# scripts/lab/p2p.config with scripts/config, `make olddefconfig`, check that every
# option of the fragment stuck, `make bzImage modules`, `make modules_install` into
# the cache. Prints the paths at the end; appends the timings to build-times.txt.
#
# Environment:
#   P2P_SRC_PKG   source package (default linux-source-6.12; add =version to pin)
#   P2P_CACHE     default ${XDG_CACHE_HOME:-$HOME/.cache}/sgreplay-lab/p2p-kernel
#   P2P_JOBS      make -j (default 2)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
P2P_SRC_PKG=${P2P_SRC_PKG:-linux-source-6.12}
P2P_CACHE=${P2P_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sgreplay-lab/p2p-kernel}
P2P_JOBS=${P2P_JOBS:-2}
FRAGMENT=$here/p2p.config
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
say() { echo "build-kernel: $*" >&2; }
die() { echo "build-kernel: $*" >&2; exit 1; }

BUILD_PACKAGES="build-essential bc bison flex libelf-dev libssl-dev dwarves xz-utils kmod cpio python3"
missing=""
for p in $BUILD_PACKAGES; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    say "installing:$missing"
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

mkdir -p "$P2P_CACHE/debs"
times=$P2P_CACHE/build-times.txt
stamp() { date +%s; }
t_all=$(stamp)

# ---- source
if [ ! -f "$P2P_CACHE/.unpacked" ]; then
    say "apt-get download $P2P_SRC_PKG"
    (cd "$P2P_CACHE/debs" && apt-get download -q "$P2P_SRC_PKG")
    deb=$(find "$P2P_CACHE/debs" -maxdepth 1 -name "${P2P_SRC_PKG%%=*}_*.deb" | sort -V | tail -n1)
    [ -n "$deb" ] || die "no .deb for $P2P_SRC_PKG"
    rm -rf "$P2P_CACHE/deb" "$P2P_CACHE/src"
    dpkg -x "$deb" "$P2P_CACHE/deb"
    dpkg-deb -f "$deb" Package Version > "$P2P_CACHE/.package"
    tarball=$(find "$P2P_CACHE/deb/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -n1)
    [ -n "$tarball" ] || die "no linux-source tarball in $deb"
    say "unpacking $(basename "$tarball")"
    mkdir -p "$P2P_CACHE/src"
    tar -xf "$tarball" -C "$P2P_CACHE/src" --strip-components=1
    rm -rf "$P2P_CACHE/deb"      # the tarball is not needed any more
    touch "$P2P_CACHE/.unpacked"
fi
SRC=$P2P_CACHE/src
# one block per run, appended (the first, full build's time stays on record)
echo "== $(date -u '+%Y-%m-%d %H:%M:%S UTC') $(sed -n 's/^Package: //p; s/^Version: //p' "$P2P_CACHE/.package" | paste -sd' ') jobs=$P2P_JOBS nproc=$(nproc)" >> "$times"

# ---- configuration (redone when the fragment changes)
frag_sum=$(sha256sum "$FRAGMENT" | cut -d' ' -f1)
if [ ! -f "$SRC/.config" ] || [ "$(cat "$SRC/.p2p-fragment" 2>/dev/null)" != "$frag_sum" ]; then
    say "make defconfig + $(basename "$FRAGMENT")"
    make -C "$SRC" -s defconfig
    args=()
    while IFS= read -r line; do
        line=${line%%#*}; line=$(echo "$line" | tr -d '[:space:]')
        [ -n "$line" ] || continue
        name=${line%%=*}; name=${name#CONFIG_}; val=${line#*=}
        case $val in
            y) args+=(--enable "$name") ;;
            m) args+=(--module "$name") ;;
            n) args+=(--disable "$name") ;;
            *) args+=(--set-val "$name" "$val") ;;
        esac
    done < "$FRAGMENT"
    "$SRC/scripts/config" --file "$SRC/.config" "${args[@]}"
    make -C "$SRC" -s olddefconfig
    echo "$frag_sum" > "$SRC/.p2p-fragment"
fi
bad=0
while IFS= read -r line; do
    line=${line%%#*}; line=$(echo "$line" | tr -d '[:space:]')
    [ -n "$line" ] || continue
    name=${line%%=*}; name=${name#CONFIG_}; val=${line#*=}
    got=$("$SRC/scripts/config" --file "$SRC/.config" --state "$name")
    case $val in
        n) [ "$got" = n ] || [ "$got" = undef ] || { say "CONFIG_$name wanted n, got $got"; bad=1; } ;;
        y|m) [ "$got" = "$val" ] || { say "CONFIG_$name wanted $val, got $got"; bad=1; } ;;
        *) [ "$got" = "${val//\"/}" ] || [ "$got" = "$val" ] || { say "CONFIG_$name wanted $val, got $got"; bad=1; } ;;
    esac
done < "$FRAGMENT"
[ "$bad" = 0 ] || die "options of $FRAGMENT did not stick (see above)"
say "all options of $(basename "$FRAGMENT") are set"

# ---- build
t0=$(stamp)
say "make -j$P2P_JOBS bzImage modules (log: $P2P_CACHE/build.log)"
if ! make -C "$SRC" -j"$P2P_JOBS" bzImage modules > "$P2P_CACHE/build.log" 2>&1; then
    tail -n 40 "$P2P_CACHE/build.log" >&2
    die "build failed (full log: $P2P_CACHE/build.log)"
fi
t1=$(stamp)
echo "make -j$P2P_JOBS bzImage modules: $((t1 - t0)) s" >> "$times"
KVER=$(make -C "$SRC" -s kernelrelease)
rm -rf "$P2P_CACHE/modules"
make -C "$SRC" -s INSTALL_MOD_PATH="$P2P_CACHE/modules" modules_install >/dev/null
cp "$SRC/arch/x86/boot/bzImage" "$P2P_CACHE/bzImage"
echo "kernelrelease $KVER" >> "$times"
echo "total (this run): $(( $(stamp) - t_all )) s" >> "$times"
tail -n 4 "$times" >&2
echo "KERNEL=$P2P_CACHE/bzImage"
echo "MODULES=$P2P_CACHE/modules/lib/modules/$KVER"
echo "KSRC=$SRC"
