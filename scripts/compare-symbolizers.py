#!/usr/bin/env python3
"""Compares the answers of `sgreplay symbolize -i`, `eu-addr2line -a -f -i` and `llvm-symbolizer
--print-address` for the same addresses (used by scripts/bench-symbols.sh).

    compare-symbolizers.py ADDRESSES SGREPLAY_OUT EU_OUT [LLVM_OUT]

An answer is the chain of frames, innermost first, each (function, file:line). Normalised before
comparing: columns dropped (`file:line:col` -> `file:line`), an unknown or zero line is no line,
and clone suffixes (`.cold`, `.part.N`, `.isra.N`, `.constprop.N`) are dropped from function names:
sgreplay prints the outermost frame as the symbol (`fn.cold+0x4`, the kernel's notation), the
others print its DWARF name (`fn`). Prints one line per tool: identical answers out of all, and
the first few differences.
"""
import re
import sys

CLONE = re.compile(r"(\.(cold|part|isra|constprop|lto_priv|localalias)(\.\d+)?)+$")


def source(text):
    if text is None:
        return None
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[2].isdigit() and parts[1].isdigit():
        path, line = parts[0], parts[1]
    elif len(parts) >= 2 and parts[-1].isdigit():
        path, line = ":".join(parts[:-1]), parts[-1]
    else:
        return None
    if path == "??" or int(line) == 0:
        return None
    return f"{path}:{int(line)}"


def function(name):
    return "??" if name in ("", "??") else CLONE.sub("", name)


def records(lines, starts):
    current = None
    for line in lines:
        if starts(line):
            if current is not None:
                yield current
            current = [line]
        elif current is not None:
            current.append(line)
    if current is not None:
        yield current


def address(text):
    return int(text.split()[0], 16)


def parse_sgreplay(path):
    answers = {}
    with open(path) as f:
        lines = f.read().splitlines()
    for record in records(lines, lambda l: l.startswith("0x")):
        frames = []
        for index, line in enumerate(record):
            words = line[len(" (inlined by) "):].split() if index else line.split()[1:]
            name = words[0].split("+0x")[0] if words else "??"
            where = words[-1] if len(words) > 1 and not words[-1].startswith("[") and ":" in words[-1] else None
            frames.append((function(name), source(where)))
        answers[address(record[0])] = frames
    return answers


def parse_pairs(record):
    frames = []
    body = record[1:]
    for i in range(0, len(body) - 1, 2):
        name = body[i].split()[0] if body[i].split() else "??"
        frames.append((function(name), source(body[i + 1].strip())))
    return frames


def parse_eu(path):
    with open(path) as f:
        lines = f.read().splitlines()
    return {address(r[0]): parse_pairs(r) for r in records(lines, lambda l: re.fullmatch(r"0x[0-9a-f]+", l) is not None)}


def parse_llvm(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip()]
    return {address(r[0]): parse_pairs(r) for r in records(lines, lambda l: re.fullmatch(r"0x[0-9a-f]+", l) is not None)}


def outside(frames):
    """No function name for the address, but a line (alignment padding after a function: the
    previous function's last line-table row, and sometimes its DWARF range, extend over it)."""
    return frames is not None and frames[0][0] == "??" and any(where is not None for _, where in frames)


def main():
    with open(sys.argv[1]) as f:
        wanted = [int(l.split()[0], 16) for l in f if l.strip()]
    ours = parse_sgreplay(sys.argv[2])
    others = [("eu-addr2line", parse_eu(sys.argv[3]))]
    if len(sys.argv) > 4:
        others.append(("llvm-symbolizer", parse_llvm(sys.argv[4])))
    for name, theirs in others:
        same = sum(1 for a in wanted if ours.get(a) == theirs.get(a))
        padding = sum(1 for a in wanted if ours.get(a) == [("??", None)] and outside(theirs.get(a)))
        print(
            f"sgreplay vs {name}: {same}/{len(wanted)} identical ({100.0 * same / max(1, len(wanted)):.2f} %);"
            f" {padding} more where sgreplay says ?? and {name} ?? with a line (padding past every symbol)"
        )
        shown = 0
        for a in wanted:
            if ours.get(a) != theirs.get(a) and not (ours.get(a) == [("??", None)] and outside(theirs.get(a))) and shown < 5:
                print(f"  0x{a:x}: sgreplay {ours.get(a)}\n  {' ' * len(hex(a))}  {name} {theirs.get(a)}")
                shown += 1
    if len(others) == 2:
        same = sum(1 for a in wanted if others[0][1].get(a) == others[1][1].get(a))
        print(f"eu-addr2line vs llvm-symbolizer: {same}/{len(wanted)} identical ({100.0 * same / max(1, len(wanted)):.2f} %)")


main()
