#!/usr/bin/env python3
"""Writes a trace-cmd v6 trace.dat with DMA / IOMMU / swiotlb events of our own.

usage: make-tracedat.py BASE.dat EVENTS.txt OUT.dat [--count N] [--lost]

BASE.dat:   an uncompressed v6 trace.dat (`trace-cmd convert --file-version 6
            --compression none`) whose headers, format files and saved cmdlines
            are kept (the real 6.18 capture's: they carry the 6.18 dma formats).
EVENTS.txt: `trace-cmd dump --events -i BASE.dat` (event ids and field offsets).
OUT.dat:    the same file with its flyrecord CPU data replaced by ring-buffer
            pages (64-bit: u64 timestamp, u64 commit; 4-byte event headers with
            type_len 1..28, so every event is at most 112 bytes).
--count N:  repeat the scenario N times (benchmarks), default 1.
--lost:     set the missed-events flag on CPU 1's first page.
--uncapped: give dma_map_sg the uncapped 6.12-6.17 layout (no full_nents, full_ents,
            truncated; device @8, phys_addrs @12, dma_addrs @16, lengths @20, dir @24,
            attrs @32) in the file's format and in the records.
"""
import re
import struct
import sys

PAGE = 4096


def uncapped_format(text):
    """The 6.18 dma_map_sg format text rewritten to the 6.12-6.17 layout."""
    sym = re.search(r'__print_symbolic\(REC->dir,.*?\{ 3, "NONE" \}\)', text).group(0)
    arr = {m.group(1): m.group(0) for m in re.finditer(
        r'__print_array\(__get_dynamic_array\((\w+)\), __get_dynamic_array_len\(\w+\) / sizeof\([\w ]+\), sizeof\([\w ]+\)\)', text)}
    flags = text[text.index("__print_flags(REC->attrs"):].rstrip("\n")
    head = text[:text.index("\tfield:__data_loc char[] device;")]
    fields = "".join(f"\tfield:{d};\toffset:{o};\tsize:{z};\tsigned:0;\n" for d, o, z in [
        ("__data_loc char[] device", 8, 4), ("__data_loc u64[] phys_addrs", 12, 4), ("__data_loc u64[] dma_addrs", 16, 4),
        ("__data_loc unsigned int[] lengths", 20, 4), ("enum dma_data_direction dir", 24, 4), ("unsigned long attrs", 32, 8)])
    fmt = ('print fmt: "%s dir=%s dma_addrs=%s sizes=%s phys_addrs=%s attrs=%s", __get_str(device), '
           + ", ".join([sym, arr["dma_addrs"], arr["lengths"], arr["phys_addrs"], flags]) + "\n")
    return head + fields + "\n" + fmt


def formats(path):
    """name -> (id, {field: (offset, size)})"""
    out, name, eid, fields = {}, None, None, {}
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("name: "):
            if name is not None:
                out.setdefault(name, (eid, fields))
            name, eid, fields = line[6:], None, {}
        elif line.startswith("ID: "):
            eid = int(line[4:])
        elif line.startswith("\tfield:"):
            parts = dict(p.strip().split(":", 1) for p in line.strip().split(";") if ":" in p)
            decl = parts["field"].strip()
            fname = decl.split()[-1].split("[")[0]
            fields[fname] = (int(parts["offset"]), int(parts["size"]))
    if name is not None:
        out.setdefault(name, (eid, fields))
    return out


class Encoder:
    def __init__(self, fmts):
        self.fmts = fmts
        self.uncapped = False

    def event(self, name, pid, cf=0, **values):
        eid, fields = self.fmts[name]
        fixed = max(o + s for o, s in fields.values())
        buf = bytearray(fixed)
        struct.pack_into("<HBBi", buf, 0, eid, cf, 0, pid)
        tail = bytearray()
        for key, value in values.items():
            if key not in fields and self.uncapped and name == "dma_map_sg":
                continue  # full_nents, full_ents, truncated: not in the uncapped layout
            off, size = fields[key]
            if isinstance(value, str) and size > 4:  # char name[16]: in place
                buf[off:off + size] = value.encode()[:size - 1].ljust(size, b"\0")
            elif isinstance(value, list) and size == 8 * len(value):  # unsigned long caller[8]: in place
                struct.pack_into(f"<{len(value)}Q", buf, off, *value)
            elif isinstance(value, (bytes, str, list)):
                if isinstance(value, str):
                    data = value.encode() + b"\0"
                elif isinstance(value, list):
                    kind, items = value[0], value[1:]
                    data = b"".join(struct.pack("<Q" if kind == 8 else "<I", v) for v in items)
                else:
                    data = value
                loc = fixed + len(tail)
                struct.pack_into("<I", buf, off, loc | (len(data) << 16))
                tail += data
            else:
                fmt = {1: "<B", 2: "<H", 4: "<I", 8: "<Q"}[size]
                struct.pack_into(fmt, buf, off, value & ((1 << (8 * size)) - 1))
        data = bytes(buf + tail)
        while len(data) % 4:
            data += b"\0"
        assert len(data) <= 112, (name, len(data))
        return data


def scenario(enc, base):
    """(cpu, ts, data) in time order: one device through dma-iommu, one through dma-direct."""
    dev, dev2 = "0000:01:00.0", "0000:00:1f.2"
    ev = []
    t = base

    def add(cpu, name, pid=3682, cf=0, **kw):
        nonlocal t
        t += 1000 + 7 * len(ev)
        ev.append((cpu, t, enc.event(name, pid, cf, **kw)))

    add(0, "add_device_to_group", gid=3, device=dev)
    add(0, "attach_device_to_domain", device=dev)
    add(0, "map", iova=0xFFFFC000, paddr=0x123450000, size=8192)
    add(0, "dma_map_sg", device=dev, full_nents=2, full_ents=1, truncated=0,
        phys_addrs=[8, 0x123450000, 0x123451000], dma_addrs=[8, 0xFFFFC000], lengths=[4, 8192], dir=1, attrs=0)
    if "kernel_stack" in enc.fmts:
        # __dma_map_sg_attrs+0x58, dma_map_sg_attrs+0x10, blk_mq_dispatch_rq_list+0x123, an unknown address
        add(0, "kernel_stack", size=4, caller=[0xFFFFFFFF81411A78, 0xFFFFFFFF81411BD0, 0xFFFFFFFF81B074C3, 0xFFFFFFFFC0A1B2C3, 0, 0, 0, 0])
    add(1, "swiotlb_bounced", pid=4242, dev_name=dev2, dma_mask=0xFFFFFFFF, dev_addr=0x2A0000000, size=512, force=0)
    add(1, "dma_map_phys", pid=4242, device=dev2, phys_addr=0x2A0000000, dma_addr=0x2A0000000, size=512, dir=2, attrs=1 << 5)
    add(1, "dma_sync_single_for_cpu", pid=4242, cf=0x08, device=dev2, dma_addr=0x2A0000000, size=512, dir=2)
    add(0, "dma_sync_sg_for_device", device=dev, dma_addrs=[8, 0xFFFFC000, 0xFFFFFFFFFFFFFFFF], lengths=[4, 8192, 0], dir=1)
    add(1, "dma_unmap_phys", pid=4242, cf=0x08, device=dev2, addr=0x2A0000000, size=512, dir=2, attrs=1 << 5)
    add(0, "dma_unmap_sg", cf=0x10, device=dev, addrs=[8, 0x123450000, 0x123451000], dir=1, attrs=0)
    add(0, "unmap", cf=0x10, iova=0xFFFFC000, size=8192, unmapped_size=8192)
    add(0, "dma_map_sg", device=dev, full_nents=1, full_ents=1, truncated=0,
        phys_addrs=[8, 0x200000000], dma_addrs=[8, 0xFFFFA000], lengths=[4, 4096], dir=0, attrs=0)
    add(1, "io_page_fault", pid=0, cf=0x08, device=dev, driver="nvme", iova=0xFFFFD040, flags=1)
    add(1, "sched_switch", pid=4242, prev_comm="sleep", prev_pid=4242, prev_prio=120, prev_state=1,
        next_comm="swapper/1", next_pid=0, next_prio=120)
    add(0, "dma_alloc", device=dev, virt_addr=0xFFFF888012340000, dma_addr=0xFFFE0000, size=4096, flags=0xCC0, dir=0, attrs=0)
    add(0, "dma_free", device=dev, virt_addr=0xFFFF888012340000, dma_addr=0xFFFE0000, size=4096, dir=0, attrs=0)
    return ev, t


def pages(events, lost_page=None):
    """Ring-buffer pages for one CPU's (ts, data) list."""
    out, i, n = [], 0, 0
    while i < len(events):
        ts0 = events[i][0]
        body, last = bytearray(), ts0
        while i < len(events) and len(body) + 4 + len(events[i][1]) <= PAGE - 16:
            ts, data = events[i]
            delta = ts - last
            assert 0 <= delta < (1 << 27)
            body += struct.pack("<I", (len(data) // 4) | (delta << 5)) + data
            last = ts
            i += 1
        commit = len(body) | ((1 << 31) if n == lost_page else 0)
        out.append(struct.pack("<QQ", ts0, commit) + bytes(body) + b"\0" * (PAGE - 16 - len(body)))
        n += 1
    return b"".join(out)


def main():
    base, events_txt, out = sys.argv[1:4]
    count = int(sys.argv[sys.argv.index("--count") + 1]) if "--count" in sys.argv else 1
    lost = "--lost" in sys.argv
    uncapped = "--uncapped" in sys.argv
    d = bytearray(open(base, "rb").read())
    fmts = formats(events_txt)
    if "--ftrace" in sys.argv:  # ftrace's own events (kernel_stack): `trace-cmd dump --ftrace-events`
        fmts.update(formats(sys.argv[sys.argv.index("--ftrace") + 1]))
    if uncapped:
        at = d.index(b"name: dma_map_sg\nID:")
        size = struct.unpack_from("<Q", d, at - 8)[0]
        new = uncapped_format(d[at:at + size].decode()).encode()
        d[at - 8:at + size] = struct.pack("<Q", len(new)) + new
        eid = fmts["dma_map_sg"][0]
        fmts["dma_map_sg"] = (eid, {"common_type": (0, 2), "device": (8, 4), "phys_addrs": (12, 4), "dma_addrs": (16, 4),
                                    "lengths": (20, 4), "dir": (24, 4), "attrs": (32, 8)})
    enc = Encoder(fmts)
    enc.uncapped = uncapped
    per_cpu = {0: [], 1: []}
    t = 937_700_000_123
    for _ in range(count):
        ev, t = scenario(enc, t)
        for cpu, ts, data in ev:
            per_cpu[cpu].append((ts, data))
    fly = d.rfind(b"flyrecord\0")
    assert fly > 0
    table = fly + 10
    # New CPU data after the old file, page aligned; the table points there.
    end = (len(d) + PAGE - 1) // PAGE * PAGE
    d += b"\0" * (end - len(d))
    for cpu in (0, 1):
        data = pages(per_cpu[cpu], lost_page=0 if (lost and cpu == 1) else None)
        struct.pack_into("<QQ", d, table + 16 * cpu, len(d), len(data))
        d += data
    open(out, "wb").write(d)


if __name__ == "__main__":
    main()
