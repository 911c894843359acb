#!/usr/bin/env bash
# `sgreplay symbolize` on a real kernel (issue 12): Debian's linux-image-6.1.0-56-amd64-dbg
# (6.1.192-2) against the kallsyms symbols recorded in traces/real-6.1-iommu-lazy/truth.jsonl.xz
# (booted with nokaslr, so core-kernel stack addresses are link addresses).
#
# 1. Fetches the -dbg package (~860 MB) with `apt-get download` and unpacks it with `dpkg -x` into
#    $CACHE (default ~/.cache/sgreplay-dbg, outside git; never installed). Done once.
# 2. Extracts with python3 every distinct core-kernel stack address of the truth and the symbol
#    kallsyms gave for it (`stack` / `stack_sym`); module addresses (>= 0xffffffffc0000000) are
#    counted and skipped (the truth has no module load bases).
# 3. Measures (wall, CPU, peak RSS via /usr/bin/time): start-up (index + one address); all truth
#    addresses through `symbolize -i -` (raw and --return-addresses); the share whose outermost
#    frame (the symbol) equals the kallsyms symbol (name, and name+offset); the same addresses
#    through eu-addr2line -a -f -i (and llvm-symbolizer when installed) and the agreement of the
#    chains; then RANDOM_COUNT (default 20000) random .text addresses for a per-address time,
#    eu-addr2line on the first EU_SAMPLE (default: all) of them (≈ 1.6 ms each).
# No test depends on this. Environment: BIN (default .build/release/sgreplay; needs `-i`),
# CACHE, TRUTH, RANDOM_COUNT, EU_SAMPLE, SEED (1).
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.build/release/sgreplay}
CACHE=${CACHE:-$HOME/.cache/sgreplay-dbg}
TRUTH=${TRUTH:-/work/shared/traces/real-6.1-iommu-lazy/truth.jsonl.xz}
[ -f "$TRUTH" ] || TRUTH=traces/real-6.1-iommu-lazy/truth.jsonl.xz
PKG=${PKG:-linux-image-6.1.0-56-amd64-dbg}
PKGVER=${PKGVER:-6.1.192-2}
KREL=${KREL:-6.1.0-56-amd64}
# FTRACE=trace.txt[.xz]: take the addresses from an ftrace text made with options/stacktrace and
# options/sym-addr (` => name <ffffffff…>`, names without offsets) instead of TRUTH, e.g. a lab
# capture of Debian's 6.12 booted with nokaslr:
#   FTRACE=…/trace.txt.xz PKG=linux-image-6.12.95+deb12-amd64-dbg PKGVER=6.12.95-1~bpo12+1 \
#   KREL=6.12.95+deb12-amd64 scripts/symbols-real-vmlinux.sh
FTRACE=${FTRACE:-}
RANDOM_COUNT=${RANDOM_COUNT:-20000}
EU_SAMPLE=${EU_SAMPLE:-$RANDOM_COUNT}
SEED=${SEED:-1}

[ -x "$BIN" ] || { echo "symbols-real-vmlinux: $BIN not built (swift build -c release)" >&2; exit 2; }
"$BIN" symbolize --help | grep -q -- '--inlines' || { echo "symbols-real-vmlinux: $BIN has no symbolize -i (stale build?)" >&2; exit 2; }
[ -n "$FTRACE" ] || [ -f "$TRUTH" ] || { echo "symbols-real-vmlinux: $TRUTH missing" >&2; exit 2; }
command -v eu-addr2line >/dev/null || { echo "symbols-real-vmlinux: eu-addr2line missing (apt-get install elfutils)" >&2; exit 2; }

mkdir -p "$CACHE"
VMLINUX=$CACHE/$KREL/usr/lib/debug/boot/vmlinux-$KREL
if [ ! -f "$VMLINUX" ]; then
  deb=$(ls "$CACHE"/${PKG}_${PKGVER}_amd64.deb 2>/dev/null || true)
  if [ -z "$deb" ]; then
    (cd "$CACHE" && apt-get download "$PKG=$PKGVER")
    deb=$CACHE/${PKG}_${PKGVER}_amd64.deb
  fi
  dpkg -x "$deb" "$CACHE/$KREL"
fi

WORK=$(mktemp -d /tmp/symbols-real.XXXXXX)
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT   # KEEP_WORK=1 keeps the outputs

if [ -n "$FTRACE" ]; then
python3 - "$WORK" "$FTRACE" <<'PY'
import json, lzma, re, sys
work, path = sys.argv[1], sys.argv[2]
syms, modules, frames, kernel_frames, events = {}, set(), 0, 0, 0
with (lzma.open(path, "rt") if path.endswith(".xz") else open(path)) as f, open(f"{work}/all-frames", "w") as every:
    for line in f:
        if "<stack trace>" in line:
            events += 1
        m = re.match(r"^ => (\S+) <([0-9a-f]+)>", line)
        if not m:
            continue
        frames += 1
        v = int(m.group(2), 16)
        if v >= 0xffffffffc0000000:
            modules.add(v)
            continue
        kernel_frames += 1
        every.write(f"0x{v:x}\n")
        syms[v] = m.group(1)
with open(f"{work}/addresses", "w") as f:
    f.write("".join(f"0x{a:x}\n" for a in sorted(syms)))
json.dump({f"0x{a:x}": s for a, s in syms.items()}, open(f"{work}/kallsyms.json", "w"))
print(f"ftrace: {events} stack traces, {frames} frames ({kernel_frames} core kernel, "
      f"{frames - kernel_frames} module); distinct: {len(syms)} core-kernel addresses, "
      f"{len(modules)} module addresses (skipped)")
PY
else
python3 - "$WORK" "$TRUTH" <<'PY'
import json, lzma, sys
work = sys.argv[1]
syms, modules, frames, kernel_frames, events = {}, set(), 0, 0, 0
with open(f"{work}/all-frames", "w") as every:
    for line in lzma.open(sys.argv[2], "rt"):
        o = json.loads(line)
        if "stack" not in o:
            continue
        events += 1
        assert len(o["stack"]) == len(o["stack_sym"])
        for a, s in zip(o["stack"], o["stack_sym"]):
            frames += 1
            v = int(a, 16)
            if v >= 0xffffffffc0000000:
                modules.add(v)
                continue
            kernel_frames += 1
            every.write(f"0x{v:x}\n")
            assert syms.get(v, s) == s, (a, s, syms[v])
            syms[v] = s
with open(f"{work}/addresses", "w") as f:
    f.write("".join(f"0x{a:x}\n" for a in sorted(syms)))
json.dump({f"0x{a:x}": s for a, s in syms.items()}, open(f"{work}/kallsyms.json", "w"))
print(f"truth: {events} events with a stack, {frames} frames ({kernel_frames} core kernel, "
      f"{frames - kernel_frames} module); distinct: {len(syms)} core-kernel addresses, "
      f"{len(modules)} module addresses (skipped: no load bases in the truth)")
PY
fi

# run NAME OUTPUT INPUT CMD...: wall, CPU seconds and peak RSS of one run.
run() {
  local name=$1 out=$2 in=$3; shift 3
  local n; n=$(grep -c . "$in")
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" < "$in" > "$out" || [ $? = 1 ]   # eu-addr2line exits 1 on unknown addresses
  read -r wall user sys rss < "$WORK/time"
  awk -v name="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v n="$n" \
    'BEGIN { printf "%-34s %7d addr %8.2f s wall %8.2f s CPU %8.1f µs/addr  %6.0f MB peak RSS\n", name, n, w, u + s, w * 1e6 / n, r / 1024 }'
}

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $VMLINUX ($(stat -c %s "$VMLINUX") bytes), $(eu-addr2line --version | head -1)"
echo "$(head -1 "$WORK/addresses")" > "$WORK/one"
run "sgreplay start-up + 1 address" "$WORK/one.out" "$WORK/one" "$BIN" symbolize -i --vmlinux "$VMLINUX" -
run "sgreplay -i (truth, raw)" "$WORK/sg.txt" "$WORK/addresses" "$BIN" symbolize -i --vmlinux "$VMLINUX" -
run "sgreplay -i --return-addresses" "$WORK/sg-ret.txt" "$WORK/addresses" "$BIN" symbolize -i --return-addresses --vmlinux "$VMLINUX" -
run "sgreplay (all core frames, repeats)" "$WORK/all.out" "$WORK/all-frames" "$BIN" symbolize --vmlinux "$VMLINUX" -
run "eu-addr2line -a -f -i (truth)" "$WORK/eu.txt" "$WORK/addresses" eu-addr2line -a -f -i -e "$VMLINUX"
LLVM=$(command -v llvm-symbolizer || true)
if [ -n "$LLVM" ]; then
  run "llvm-symbolizer (truth)" "$WORK/llvm.txt" "$WORK/addresses" "$LLVM" --obj="$VMLINUX" --print-address
fi

# RANDOM_COUNT distinct addresses drawn from every byte of .text, in random order.
python3 - "$VMLINUX" "$RANDOM_COUNT" "$SEED" > "$WORK/random" <<'PY'
import random, subprocess, sys
path, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for line in subprocess.run(["readelf", "-SW", path], capture_output=True, text=True).stdout.splitlines():
    words = line.replace("[ ", "[").split()
    if len(words) > 5 and words[1] == ".text":
        start, size = int(words[3], 16), int(words[5], 16)
rng = random.Random(seed)
print("\n".join(hex(start + o) for o in rng.sample(range(size), count)))
PY
head -n "$EU_SAMPLE" "$WORK/random" > "$WORK/random-sample"
run "sgreplay -i (random .text)" "$WORK/rsg.txt" "$WORK/random" "$BIN" symbolize -i --vmlinux "$VMLINUX" -
run "sgreplay -i (random sample)" "$WORK/rsg-sample.txt" "$WORK/random-sample" "$BIN" symbolize -i --vmlinux "$VMLINUX" -
run "eu-addr2line -a -f -i (random sample)" "$WORK/reu.txt" "$WORK/random-sample" eu-addr2line -a -f -i -e "$VMLINUX"
if [ -n "$LLVM" ]; then
  run "llvm-symbolizer (random .text)" "$WORK/rllvm.txt" "$WORK/random" "$LLVM" --obj="$VMLINUX" --print-address
fi

python3 - "$WORK" "${LLVM:+llvm}" <<'PY'
import json, re, sys
work, have_llvm = sys.argv[1], sys.argv[2] == "llvm"
CLONE = re.compile(r"(\.(cold|part|isra|constprop|lto_priv|localalias)(\.\d+)?)+$")

def records(path, starts):
    current = None
    for line in open(path).read().splitlines():
        if not line.strip():
            continue
        if starts(line):
            if current is not None:
                yield current
            current = [line]
        elif current is not None:
            current.append(line)
    if current is not None:
        yield current

def src(text):
    # file:line[:col] -> (file, line); None for ?? or line 0.
    if text is None:
        return None
    parts = text.split(":")
    while len(parts) > 2 and parts[-1].isdigit() and parts[-2].isdigit():
        parts.pop()
    if len(parts) < 2 or not parts[-1].isdigit() or int(parts[-1]) == 0 or parts[0] == "??":
        return None
    return (re.sub("/+", "/", ":".join(parts[:-1])), int(parts[-1]))   # llvm-symbolizer folds "asm//x.h"

def sgreplay(path):
    out = {}
    for r in records(path, lambda l: l.startswith("0x")):
        frames, symbol = [], None
        for i, line in enumerate(r):
            words = line[len(" (inlined by) "):].split() if i else line.split()[1:]
            name = words[0] if words else "??"
            if "+0x" in name:
                symbol = name
            where = words[-1] if len(words) > 1 and ":" in words[-1] and not words[-1].startswith("[") else None
            frames.append((CLONE.sub("", name.split("+0x")[0]), src(where)))
        out[int(r[0].split()[0], 16)] = (frames, symbol)
    return out

def pairs(path):
    out = {}
    for r in records(path, lambda l: re.fullmatch(r"0x[0-9a-f]+", l) is not None):
        body, frames = r[1:], []
        for i in range(0, len(body) - 1, 2):
            name = body[i].split()[0] if body[i].split() else "??"
            frames.append((CLONE.sub("", name), src(body[i + 1].strip())))
        out[int(r[0], 16)] = frames
    return out

def same_file(a, b):
    # eu-addr2line/llvm-symbolizer join a relative DW_AT_name with the unit's DW_AT_comp_dir
    # (debian/build/build_amd64_none_amd64/...); sgreplay prints the name as DWARF gives it.
    if a == b:
        return True
    return a.endswith("/" + b) or b.endswith("/" + a)

def same(ours, theirs, files=True):
    if ours is None or theirs is None or len(ours) != len(theirs):
        return False
    for (f1, s1), (f2, s2) in zip(ours, theirs):
        if f1 != f2:
            return False
        if files and (s1 is None) != (s2 is None):
            return False
        if files and s1 and (s1[1] != s2[1] or not same_file(s1[0], s2[0])):
            return False
    return True

def compare(label, ours, theirs, wanted, show=4):
    chain = sum(1 for a in wanted if same(ours[a][0], theirs.get(a)))
    names = sum(1 for a in wanted if same(ours[a][0], theirs.get(a), files=False))
    print(f"{label}: whole chain (function, file:line) identical {chain}/{len(wanted)} "
          f"({100.0 * chain / len(wanted):.2f} %); function chain only {names}/{len(wanted)}")
    differ = [a for a in wanted if not same(ours[a][0], theirs.get(a))]
    kinds = {}
    for a in differ:
        o, t = ours[a][0], theirs.get(a) or [("??", None)]
        if all(w is None for _, w in o) and all(w is None for _, w in t):
            k = "no source line in either (no DWARF there: symbol table only)"
        elif o == [("??", None)] and t[0][0] == "??":
            k = "padding (sgreplay ??, the other ?? with a line)"
        elif o == [("??", None)]:
            k = "no symbol holds it, the other names a DWARF function"
        elif len(o) == len(t) and same(o[:-1], t[:-1]) and o[-1][0] != t[-1][0]:
            k = "outermost name differs (an alias at the same address, or a sized symbol against a label)"
        else:
            k = "other"
        kinds.setdefault(k, []).append(a)
    for k, v in kinds.items():
        print(f"   {len(v):6d} {k}")
    shown = 0
    for a in kinds.get("other", []) + [a for k, v in kinds.items() if k != "other" for a in v[:1]]:
        if shown < show:
            print(f"   0x{a:x}: sgreplay {ours[a][0]}\n   {' ' * len(hex(a))}  other    {theirs.get(a)}")
            shown += 1

truth = {int(a, 16): s for a, s in json.load(open(f"{work}/kallsyms.json")).items()}
wanted = sorted(truth)
for label, file, shift in (("raw", "sg.txt", 0), ("--return-addresses", "sg-ret.txt", 0)):
    ours = sgreplay(f"{work}/{file}")
    name_ok = [a for a in wanted if ours[a][1] and ours[a][1].split("+0x")[0] == truth[a].split("+0x")[0]]
    full_ok = [a for a in wanted if ours[a][1] == truth[a] or ("+0x" not in truth[a] and a in name_ok)]
    inl = sum(1 for a in wanted if len(ours[a][0]) > 1)
    print(f"kallsyms vs sgreplay {label}: outermost symbol name = kallsyms {len(name_ok)}/{len(wanted)} "
          f"({100.0 * len(name_ok) / len(wanted):.2f} %), symbol+offset {len(full_ok)}/{len(wanted)}; "
          f"{inl} addresses in inlined code (longest chain {max(len(ours[a][0]) for a in wanted)})")
    for a in wanted:
        if a not in full_ok and a in [b for b in wanted if b not in full_ok][:10]:
            print(f"   0x{a:x}: kallsyms {truth[a]}  sgreplay {ours[a][1]}")
ours = sgreplay(f"{work}/sg.txt")
compare("sgreplay vs eu-addr2line (truth)", ours, pairs(f"{work}/eu.txt"), wanted)
if have_llvm:
    compare("sgreplay vs llvm-symbolizer (truth)", ours, pairs(f"{work}/llvm.txt"), wanted)
sample = [int(l, 16) for l in open(f"{work}/random-sample") if l.strip()]
rours = sgreplay(f"{work}/rsg.txt")
unknown = sum(1 for a in sample if rours[a][0][0][0] == "??")
print(f"random sample: {unknown}/{len(sample)} ?? in sgreplay (padding between functions)")
compare("sgreplay vs eu-addr2line (random sample)", rours, pairs(f"{work}/reu.txt"), sample, show=8)
if have_llvm:
    allr = [int(l, 16) for l in open(f"{work}/random") if l.strip()]
    rllvm, reu = pairs(f"{work}/rllvm.txt"), pairs(f"{work}/reu.txt")
    compare("sgreplay vs llvm-symbolizer (random .text)", rours, rllvm, allr)
    withline = [a for a in sample if not same(rours[a][0], reu.get(a)) and rours[a][0] != [("??", None)]
                and any(w for _, w in rours[a][0])]
    print(f"where sgreplay has a line and differs from eu-addr2line ({len(withline)}), llvm-symbolizer "
          f"agrees with sgreplay on {sum(1 for a in withline if same(rours[a][0], rllvm.get(a)))}, "
          f"with eu-addr2line on {sum(1 for a in withline if same(reu.get(a), rllvm.get(a)))}")
PY
