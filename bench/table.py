#!/usr/bin/env python3
"""Turns bench/run.sh's facts into one table (stdout) and a JSON file."""
import json
import os
import platform
import subprocess
import sys

facts_file, size, fss, json_out = sys.argv[1], float(sys.argv[2]), sys.argv[3].split(), sys.argv[4]
f = {}
for line in open(facts_file):
    k, v = line.strip().split("=", 1)
    try:
        f[k] = float(v)
    except ValueError:
        f[k] = v  # a text fact (duperemove.version)

MiB = 1 << 20

# Figures sampled several times (key1, key2, ... .wall): the median stands for them, the range beside it.
for fs in fss:
    for key in ("find", "rescan"):
        walls = sorted(f[k] for k in f if k.startswith(f"{fs}.{key}") and k[len(f"{fs}.{key}"):-len(".wall")].isdigit()
                       and k.endswith(".wall"))
        if walls:
            f[f"{fs}.{key}.wall"] = walls[len(walls) // 2]
            f[f"{fs}.{key}.range"] = f"{walls[0]:.2f}-{walls[-1]:.2f}"


def sampled(fs, key):
    r = f.get(f"{fs}.{key}.range")
    return f"{f[f'{fs}.{key}.wall']:.2f} s" + (f" ({r})" if r else "")


def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


result = {"date": subprocess.run(["date", "-u", "+%Y-%m-%d %H:%M UTC"], capture_output=True, text=True).stdout.strip(),
          "machine": f"{os.cpu_count()} cores, {cpu_model()}, kernel {platform.release()}", "size": size, "filesystems": {}}
result["duperemove"] = f.get("duperemove.version", "duperemove")
lines = [f"dupex benchmark, {result['date']}, {result['machine']}, --size {size:g}, {result['duperemove']}", ""]
hdr = f"{'':38}" + "".join(f"{fs:>26}" for fs in fss)
lines.append(hdr)


def row(label, fn):
    cells = []
    for fs in fss:
        try:
            cells.append(fn(fs))
        except KeyError:
            cells.append("-")
    lines.append(f"{label:38}" + "".join(f"{c:>26}" for c in cells))


g = lambda fs, k: f[f"{fs}.{k}"]
row("corpus allocated", lambda fs: f"{g(fs, 'corpus.allocatedBytes') / MiB:.0f} MiB")
row("ideal reclaimable (4 KiB)", lambda fs: f"{g(fs, 'corpus.idealReclaimableBytes') / MiB:.0f} MiB")
row("cold read (cat)", lambda fs: f"{g(fs, 'read.wall'):.1f} s, {g(fs, 'corpus.allocatedBytes') / MiB / g(fs, 'read.wall'):.0f} MiB/s")
row("dupex dedupe: wall / cpu", lambda fs: f"{g(fs, 'dupex.wall'):.1f} s / {g(fs, 'dupex.cpu'):.1f} s")
row("dupex phases: scan / plan / sharing", lambda fs: f"{g(fs, 'dupex.scan.seconds'):.1f} / {g(fs, 'dupex.plan.seconds'):.1f} / {g(fs, 'dupex.dedupe.seconds'):.1f} s")
row("dupex sharing time per GiB shared", lambda fs: f"{g(fs, 'dupex.dedupe.seconds') / (g(fs, 'dupex.deduped') / 2**30):.2f} s, {g(fs, 'dupex.requests'):.0f} calls")
row("dupex shared during the scan", lambda fs: f"{g(fs, 'dupex.dedupedDuringScan') / MiB:.0f} MiB")
row("dupex dedupe: peak RSS", lambda fs: f"{g(fs, 'dupex.rss') / MiB:.0f} MiB")
row("dupex freed (statfs)", lambda fs: f"{g(fs, 'dupex.freed') / MiB:.0f} MiB, {100 * g(fs, 'dupex.freed') / g(fs, 'corpus.idealReclaimableBytes'):.1f}% of ideal")
row("dupex deduped (logical)", lambda fs: f"{g(fs, 'dupex.deduped') / MiB:.0f} MiB")
row("dupex second run", lambda fs: f"{g(fs, 'dupex2.wall'):.1f} s, {g(fs, 'dupex2.requests'):.0f} calls, {g(fs, 'dupex2.bytesRead'):.0f} B read")
row("dupex second run: plan, maps read", lambda fs: f"{g(fs, 'dupex2.plan.seconds'):.2f} s, {g(fs, 'dupex2.layoutsRead'):.0f} maps")
row("cold find (-printf %s), median", lambda fs: sampled(fs, "find"))
row("dupex rescan, unchanged, cold, median", lambda fs: sampled(fs, "rescan"))
row("dupex --version (warm)", lambda fs: f"{g(fs, 'version.wall'):.2f} s")
row("dupex index per hashed block", lambda fs: f"{g(fs, 'dupex.indexBytes') / max(1, g(fs, 'dupex.blocks')):.0f} B")
row("dupex report estimate / freed", lambda fs: f"{g(fs, 'report.estimate') / MiB:.0f} / {g(fs, 'report.freedAfter') / MiB:.0f} MiB")
row("duperemove: wall / cpu", lambda fs: f"{g(fs, 'duperemove.wall'):.1f} s / {g(fs, 'duperemove.cpu'):.1f} s")
row("duperemove: peak RSS", lambda fs: f"{g(fs, 'duperemove.rss') / MiB:.0f} MiB")
row("duperemove freed (statfs)", lambda fs: f"{g(fs, 'duperemove.freed') / MiB:.0f} MiB, {100 * g(fs, 'duperemove.freed') / g(fs, 'corpus.idealReclaimableBytes'):.1f}% of ideal")
row("duperemove second run", lambda fs: f"{g(fs, 'duperemove2.wall'):.1f} s")
row("dupex/duperemove: freed", lambda fs: f"{g(fs, 'dupex.freed') / max(1, g(fs, 'duperemove.freed')):.2f}x")
row("dupex/duperemove: wall", lambda fs: f"{g(fs, 'dupex.wall') / g(fs, 'duperemove.wall'):.2f}x")
row("dupex/duperemove: second run", lambda fs: f"{g(fs, 'dupex2.wall') / g(fs, 'duperemove2.wall'):.2f}x")
row("dupex wall / cold read", lambda fs: f"{g(fs, 'dupex.wall') / g(fs, 'read.wall'):.2f}x")
row("dupex rescan / (find + --version)", lambda fs: f"{g(fs, 'rescan.wall') / (g(fs, 'find.wall') + g(fs, 'version.wall')):.2f}x")
for fs in fss:
    result["filesystems"][fs] = {k.split(".", 1)[1]: v for k, v in f.items() if k.startswith(fs + ".")}
json.dump(result, open(json_out, "w"), indent=2)
print("\n".join(lines))
print(f"\n(JSON: {json_out})")
