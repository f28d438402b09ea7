#!/usr/bin/env bash
# Scanner benchmark (run as root): on a fresh loop filesystem,
#  1. cold scan throughput of `dupex scan` against a cold `cat` of the same files;
#  2. on a tree of --files small files (1-9 KiB, one in five a copy of another; --files 300000 is the
#     many-small-files case): the cold first scan against a cold 4-stream `cat` of the tree, and the rescan of
#     the unchanged tree (cold and warm `scan`, cold `report`) against a cold `find` plus JVM start-up; a first
#     and a second `dedupe` of the tree (each file's sha256 compared before and after);
#  3. index bytes per hashed block.
#
#   bench/scan.sh [--fs btrfs|xfs] [--size N] [--files N] [--block-size SIZE]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd -P)
fs=btrfs; size=1; files=10000; bs=128K
while [ $# -gt 0 ]; do
  case "$1" in
    --fs) fs=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --block-size) bs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "scan.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "scan.sh: run as root" >&2; exit 77; }
[ -f "$here/cli/target/dupex.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)
work=$(mktemp -d /var/tmp/dupex-scanbench.XXXXXX); mnt="$work/mnt"; mkdir -p "$mnt"
trap 'mountpoint -q "$mnt" && umount "$mnt"; rm -rf "$work"' EXIT
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
secs() { /usr/bin/time -f %e -o "$work/t" "$@" > "$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }; cat "$work/t"; }
json() { python3 -c "import json,sys; d=json.load(open('$work/out')); print(eval('d' + sys.argv[1]))" "$1"; }

truncate -s "$(python3 -c "print(int(3 * 2**30 * max(1, $size) + $files * 12288))")" "$work/fs.img"
case "$fs" in btrfs) mkfs.btrfs -q -f "$work/fs.img" >/dev/null 2>&1 ;; xfs) mkfs.xfs -q -f -m reflink=1 "$work/fs.img" ;; esac
mount -o loop "$work/fs.img" "$mnt"
python3 "$here/bench/corpus.py" "$mnt/corpus" --size "$size" > "$work/corpus.json"
alloc=$(python3 -c "import json; print(json.load(open('$work/corpus.json'))['allocatedBytes'])")

drop; cat_s=$(secs sh -c "cd '$mnt/corpus' && find . -type f -print0 | xargs -0 cat > /dev/null")
drop; scan_s=$(secs "$here/dupex" scan --json --block-size "$bs" --index "$work/index" "$mnt/corpus")
rss=$(/usr/bin/time -f %M -o "$work/rss" "$here/dupex" scan -q --block-size "$bs" --index "$work/index.rss" "$mnt/corpus" && cat "$work/rss")
read_b=$(json "['filesystems'][0]['scan']['bytesRead']"); scan_phase=$(json "['filesystems'][0]['scan']['seconds']")
blocks=$("$here/dupex" status --json --index "$work/index" | python3 -c "import json,sys; print(json.load(sys.stdin)['indexes'][0]['blocks'])")
idx_b=$(du -sb "$work/index" | cut -f1)

python3 - "$mnt/tree" "$files" <<'PY'
import os, sys, random
root, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1)
pool = []
for i in range(n):
    d = os.path.join(root, f"d{i // 1000:04d}", f"e{(i // 100) % 10}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    if i % 5 == 4:
        data = pool[r.randrange(len(pool))]  # a copy of an earlier file, written again (not a reflink)
    else:
        data = r.randbytes(1024 + r.randrange(8 * 1024))
        if len(pool) < 20000:
            pool.append(data)
        else:
            pool[r.randrange(len(pool))] = data
    with open(os.path.join(d, f"f{i:07d}"), "wb") as f:
        f.write(data)
PY
drop; tcat_s=$(secs sh -c "cd '$mnt/tree' && find . -type f -print0 | xargs -0 -P4 -n 256 cat > /dev/null")
drop; tscan_s=$(secs "$here/dupex" scan -q --index "$work/index2" "$mnt/tree")
drop; jvm_s=$(secs "$here/dupex" --version)
# Cold find and cold rescan three times each, alternating: the median of each, with the range (the disk's speed
# moves within minutes).
finds=(); rescans=()
for i in 1 2 3; do
  drop; finds+=("$(secs find "$mnt/tree" -type f)")
  drop; rescans+=("$(secs "$here/dupex" scan --json --index "$work/index2" "$mnt/tree")")
  unchanged=$(json "['filesystems'][0]['scan']['filesUnchanged']")
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
range() { printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd-; }
find_s=$(median "${finds[@]}"); rescan_s=$(median "${rescans[@]}")
find_r=$(range "${finds[@]}"); rescan_r=$(range "${rescans[@]}")
rescan_warm_s=$(secs "$here/dupex" scan -q --index "$work/index2" "$mnt/tree")
drop; rereport_s=$(secs "$here/dupex" report --json --index "$work/index2" "$mnt/tree")
estimate=$(json "['filesystems'][0]['plan']['estimatedFreedBytes']")
# A first dedupe of the tree with a new index (scan, share, plan, share), then the same again; checksums compared.
sums() { (cd "$mnt/tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/$1"; }
sums sums.before
drop; tdedupe_s=$(secs "$here/dupex" dedupe --json --index "$work/index3" "$mnt/tree")
freed=$(json "['filesystems'][0]['dedupe']['bytesFreed']"); requests=$(json "['filesystems'][0]['dedupe']['requests']")
during=$(json "['filesystems'][0]['dedupe']['filesDedupedDuringScan']"); drss=$(json "['peakRssBytes']")
dphases="$(json "['filesystems'][0]['scan']['seconds']") / $(json "['filesystems'][0]['plan']['seconds']") / $(json "['filesystems'][0]['dedupe']['seconds']")"
drop; tdedupe2_s=$(secs "$here/dupex" dedupe --json --index "$work/index3" "$mnt/tree")
requests2=$(json "['filesystems'][0]['dedupe']['requests']")
sums sums.after
cmp -s "$work/sums.before" "$work/sums.after" || { echo "scan.sh: a file's content changed under dupex dedupe" >&2; exit 1; }

python3 - <<PY
alloc, cat_s, scan_s, scan_phase, read_b = $alloc, $cat_s, $scan_s, $scan_phase, $read_b
MiB = 1 << 20
print(f"scan benchmark on $fs, --size $size, --block-size $bs ($(nproc) cores, kernel $(uname -r))")
print(f"  cold cat of the corpus        {cat_s:6.2f} s   {alloc / MiB / cat_s:7.0f} MiB/s")
print(f"  cold dupex scan (whole run)   {scan_s:6.2f} s   {read_b / MiB / scan_s:7.0f} MiB/s  = {100 * (alloc / scan_s) / (alloc / cat_s):.0f}% of cat")
print(f"  cold dupex scan (scan phase)  {scan_phase:6.2f} s   {read_b / MiB / scan_phase:7.0f} MiB/s  = {100 * (alloc / scan_phase) / (alloc / cat_s):.0f}% of cat")
print(f"  peak RSS of a full scan: {$rss / 1024:.0f} MiB")
print(f"  index: {$idx_b} bytes for {$blocks} blocks = {$idx_b / max(1, $blocks):.0f} bytes per block")
print(f"  tree of $files small files: cold find {$find_s:.2f} s ($find_r), cold 4-stream cat {$tcat_s:.2f} s, JVM start {$jvm_s:.2f} s")
print(f"    cold first scan              {$tscan_s:6.2f} s  = {$tscan_s / $tcat_s:.2f}x the cat")
print(f"    rescan, cold ({$unchanged} unchanged) {$rescan_s:6.2f} s  = {$rescan_s / ($find_s + $jvm_s):.2f}x find + JVM start (medians of 3; rescans $rescan_r s)")
print(f"    rescan, warm                 {$rescan_warm_s:6.2f} s")
print(f"    report over it, cold         {$rereport_s:6.2f} s")
print(f"    first dedupe, cold, new index {$tdedupe_s:6.2f} s  = {$tdedupe_s / $tcat_s:.2f}x the cat (scan / plan / sharing: $dphases s)")
print(f"      {$requests} requests, {$during} files shared during the scan, freed {$freed / MiB:.0f} MiB (report's estimate {$estimate / MiB:.0f} MiB), peak RSS {$drss / MiB:.0f} MiB")
print(f"    second dedupe, cold          {$tdedupe2_s:6.2f} s, {$requests2} requests; every file's sha256 unchanged")
PY
