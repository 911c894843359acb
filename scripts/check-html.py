#!/usr/bin/env python3
"""Checks one rendered report for scripts/check-html.sh.

usage: check-html.py REPORT DOM STDERR NETLOG SCREENSHOT
Fails (exit 1) on: a reference to an external resource in the HTML, a page that rendered
blank (too little text or no findings table after scripts ran), any JavaScript console
message, any network request made by the page, or a missing or blank screenshot.
"""
import json
import re
import sys

report, dom_path, stderr_path, netlog_path, shot = sys.argv[1:6]
problems = []

html = open(report, encoding="utf-8").read()
for m in re.finditer(r'\b(?:src|href|action|poster|data)\s*=\s*"([^"]*)"', html):
    if not m.group(1).startswith("#"):
        problems.append(f"external reference {m.group(0)[:80]}")
for m in re.finditer(r'url\(([^)]*)\)', html):
    if not m.group(1).startswith("#"):
        problems.append(f"external url({m.group(1)[:60]})")
if re.search(r'@import|<link\b|<iframe\b|<img\b|<object\b|<embed\b', html, re.I):
    problems.append("HTML loads a resource (link/img/iframe/object/embed/@import)")

dom = open(dom_path, encoding="utf-8", errors="replace").read()
text = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", dom, flags=re.S)
words = len(text.split())
if words < 200 or 'id="findings-table"' not in dom:
    problems.append(f"page looks blank: {words} words of text after rendering")
if "<svg" not in dom:
    problems.append("no picture rendered")

for line in open(stderr_path, encoding="utf-8", errors="replace"):
    if ":CONSOLE" in line:
        problems.append("console: " + line.strip()[:200])

try:
    netlog = json.load(open(netlog_path))
    names = {v: k for k, v in netlog["constants"]["logEventTypes"].items()}
    for event in netlog.get("events", []):
        params = event.get("params") or {}
        url = params.get("url", "")
        if names.get(event.get("type")) != "URL_REQUEST_START_JOB" or url.startswith(("file:", "data:", "about:")):
            continue
        # Requests made by the page carry the file:// top frame in their isolation key;
        # the browser's own service requests (updates, time) do not.
        if "file://" in params.get("network_isolation_key", "") or params.get("initiator") not in (None, "not an origin"):
            problems.append(f"network request by the page: {url[:120]}")
except (OSError, ValueError, KeyError) as error:
    problems.append(f"no usable net log: {error}")

try:
    png = open(shot, "rb").read()
    if not png.startswith(b"\x89PNG") or len(png) < 20000:
        problems.append(f"screenshot missing or blank ({len(png)} bytes)")
except OSError:
    problems.append("no screenshot")

for p in problems:
    print(f"  {p}")
sys.exit(1 if problems else 0)
