#!/usr/bin/env python3
"""The script a kernel engineer would write first: pair the dma:* maps and unmaps of an
ftrace text trace per device, flag new mappings that overlap live device-address ranges,
count what is left live at the end. sgreplay's whole `analyze` is measured against it
(scripts/bench-analyze.sh). Usage: baseline.py [TRACE|-]  (default: standard input)."""
import bisect
import re
import sys
from collections import defaultdict

EVENT = re.compile(r" (dma_(?:un)?map_(?:sg|phys|page)): (\S+) dir=(\w+) (.*)")
FIELD = re.compile(r"(\w+)=(\{[^}]*\}|\S+)")


def numbers(text):  # "{0x1000,0x2000}" or "1000" (hex without 0x) → list of ints
    return [int(v, 16) for v in text.strip("{}").split(",") if v]


def main():
    f = open(sys.argv[1], errors="replace") if len(sys.argv) > 1 and sys.argv[1] != "-" else sys.stdin
    live = defaultdict(list)      # device → sorted [(start, end, key)] of live device ranges
    owners = {}                   # (device, key) → its ranges
    counts = defaultdict(int)
    for line in f:
        m = EVENT.search(line)
        if not m:
            continue
        event, device, _direction, rest = m.groups()
        fields = dict(FIELD.findall(rest))
        counts[event] += 1
        if event == "dma_map_sg":
            key = numbers(fields["phys_addrs"])[0]
            ranges = list(zip(numbers(fields["dma_addrs"]), numbers(fields["sizes"])))
        elif event in ("dma_map_phys", "dma_map_page"):
            key = int(fields["dma_addr"], 16)
            ranges = [(key, int(fields["size"]))]
        else:  # an unmap: dma_unmap_sg names the list by its phys_addrs, the others by dma_addr
            key = numbers(fields["phys_addrs"])[0] if event == "dma_unmap_sg" else int(fields["dma_addr"], 16)
            mine = owners.pop((device, key), None)
            if mine is None:
                counts["unmap without map"] += 1
                continue
            for start, end in mine:
                spans = live[device]
                del spans[bisect.bisect_left(spans, (start, end, key))]
            continue
        spans = live[device]
        mine = []
        for start, length in ranges:
            end = start + length
            i = bisect.bisect_left(spans, (start, end, key))
            if (i > 0 and spans[i - 1][1] > start) or (i < len(spans) and spans[i][0] < end):
                counts["overlaps a live mapping"] += 1
            spans.insert(i, (start, end, key))
            mine.append((start, end))
        if (device, key) in owners:  # mapped again while live: keep both ranges
            mine += owners[(device, key)]
        owners[(device, key)] = mine
    counts["live at the end (leaks)"] = len(owners)
    for name in sorted(counts):
        print(f"{name}: {counts[name]}")


if __name__ == "__main__":
    main()
