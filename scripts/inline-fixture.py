#!/usr/bin/env python3
"""Writes C sources whose code is mostly inlined helpers, for the symbolizer's comparisons with
eu-addr2line (Tests/SymbolsTests/InlineChainTests.swift) and scripts/bench-symbols.sh.

    inline-fixture.py DIR [FUNCTIONS [UNITS]]

DIR/helpers.h: static inline helpers (always_inline, nested up to three deep, like the kernel's
include/linux/*.h); DIR/unit0.c … DIR/unit<UNITS-1>.c (default 2 units): FUNCTIONS noinline functions (default 300), each
with a static inline helper of its own that calls the header's; every fifth function is static
(absent from .dynsym); some have a cold path (fn_N.cold) or call scaled_sum.constprop.0;
DIR/main.c: main, calling every function through a table (the units alone make a shared object). Deterministic: the same arguments give the same files.
"""
import os
import sys

HEADER = """\
#ifndef HELPERS_H
#define HELPERS_H
extern volatile int sink;
extern void report(int x) __attribute__((cold));

static inline __attribute__((always_inline)) int h_scale(int x, int k)
{
	int y = x * k;
	if (y > 100)
		y -= k;
	sink = y;
	return y;
}

static inline __attribute__((always_inline)) int h_mix(int x, int k)
{
	int y = h_scale(x, k) ^ (x >> 2);
	if (y & 4)
		y += h_scale(y, k + 1);
	return y + k;
}

static inline __attribute__((always_inline)) int h_clamp(int x, int lo, int hi)
{
	if (x < lo)
		return lo;
	if (x > hi)
		return hi;
	sink = x;
	return x;
}

static inline int h_walk(const int *v, int n, int k)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += h_mix(v[i], k) - h_clamp(v[i], -k, k);
	return s;
}
#endif
"""


def function(i, unit_count):
    k = 3 + i % 11
    storage = "static " if i % 5 == 0 else ""
    body = [
        f"static inline int local_{i}(int a)",
        "{",
        f"\tint r = h_mix(a, {k});",
        "\tif (r & 1)",
        f"\t\tr = h_clamp(r, 0, {k * 10});",
        "\treturn r + a;",
        "}",
        "",
        f"{storage}__attribute__((noinline)) int fn_{i}(const int *v, int n)",
        "{",
        "\tint s = 0;",
        "\tfor (int j = 0; j < n; j++) {",
        f"\t\ts += local_{i}(v[j] + j);",
        f"\t\tif (s > {1000 + i})",
        f"\t\t\ts = h_scale(s, {k});",
        "\t}",
    ]
    if i % 3 == 0:
        body.append(f"\ts += h_walk(v, n, {k});")
    if i % 4 == 1:
        body += ["\tif (n > 7)", f"\t\ts ^= h_clamp(s, -{k}, {k * 7});"]
    if i % 7 == 2:  # a call to a cold function: gcc moves the path to fn_N.cold
        body += [f"\tif (s == {i * 977 + 13})", f"\t\treport(h_mix(s, {k}));"]
    if i % unit_count % 2 == 1 and i % 3 != 0:  # always the same k: gcc makes scaled_sum.constprop.0
        body += ["\ts += scaled_sum(v, n, 5);"]
    body += ["\tsink = s;", "\treturn s;", "}", ""]
    return "\n".join(body)


def main():
    directory = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    unit_count = max(2, int(sys.argv[3])) if len(sys.argv) > 3 else 2
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "helpers.h"), "w") as f:
        f.write(HEADER)
    units = [[] for _ in range(unit_count)]
    for i in range(count):
        units[i % unit_count].append(i)
    for u, indices in enumerate(units):
        with open(os.path.join(directory, f"unit{u}.c"), "w") as f:
            f.write('#include "helpers.h"\n\n')
            if u == 0:
                f.write("volatile int sink;\n\n")
                f.write("__attribute__((cold, noinline)) void report(int x)\n{\n\tsink = x;\n}\n\n")
            if u % 2 == 1:
                f.write(
                    "static __attribute__((noinline)) int scaled_sum(const int *v, int n, int k)\n{\n"
                    "\tint s = 0;\n\tfor (int i = 0; i < n; i++)\n\t\ts += h_mix(v[i], k);\n\treturn s;\n}\n\n"
                )
            for i in indices:
                f.write(function(i, unit_count))
            f.write(f"int (*const table{u}[])(const int *, int) = {{ " + ", ".join(f"fn_{i}" for i in indices) + " };\n")
            f.write(f"const int table{u}_size = {len(indices)};\n")
    with open(os.path.join(directory, "main.c"), "w") as f:
        for u in range(unit_count):
            f.write(f"extern int (*const table{u}[])(const int *, int);\nextern const int table{u}_size;\n")
        f.write("int main(int argc, char **argv)\n{\n\tint v[4] = { argc, argc + 1, argc * 3, 7 }, s = 0;\n")
        for u in range(unit_count):
            f.write(f"\tfor (int i = 0; i < table{u}_size; i++)\n\t\ts += table{u}[i](v, argc);\n")
        f.write("\treturn s & 1;\n}\n")


main()
