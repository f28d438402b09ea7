#!/usr/bin/env bash
# dupex benchmark: dupex against the disk's cold read speed and against duperemove, on fresh loop btrfs and
# XFS filesystems holding the same deterministic corpus (bench/corpus.py). Run as root:
#
#   bench/run.sh [--size N] [--fs "btrfs xfs"] [--out DIR]
#
# --size scales the corpus (1 = about 700 MiB of data); --out (default bench/results) receives
# results-<date>.json and .txt. Caches are dropped before every measured run; every file's sha256 is
# checked after every tool, and the script fails loudly if one changed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd -P)
size=1; fss="btrfs xfs"; out="$here/bench/results"
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --fs) fss=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 64 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "bench: run as root (loop mounts, drop_caches)" >&2; exit 77; }

need=()
command -v mkfs.btrfs >/dev/null || need+=(btrfs-progs)
command -v mkfs.xfs >/dev/null || need+=(xfsprogs)
# DUPEREMOVE=/path/to/duperemove compares with another build (a newer release) than Debian's.
duperemove=${DUPEREMOVE:-duperemove}
[ -n "${DUPEREMOVE:-}" ] || command -v duperemove >/dev/null || need+=(duperemove)
[ -x /usr/bin/time ] || need+=(time)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; fi
[ -f "$here/cli/target/dupex.jar" ] || (cd "$here" && mvn -B -q -DskipTests package)

work=$(mktemp -d /var/tmp/dupex-bench.XXXXXX)
mnt="$work/mnt"; mkdir -p "$mnt" "$out"
facts="$work/facts"; : > "$facts"
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt" || true
  rm -rf "$work"
}
trap cleanup EXIT

fact() { echo "$1=$2" >> "$facts"; }
fact duperemove.version "$("$duperemove" --version 2>&1 | head -1)"
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
fsync_all() { sync -f "$mnt"; [ "$fs" = btrfs ] && btrfs filesystem sync "$mnt" >/dev/null || true; }
free_bytes() { fsync_all; echo $(( $(stat -f -c %f "$mnt") * $(stat -f -c %S "$mnt") )); }

fresh() {  # a new filesystem with a new corpus; sets corpus facts for $fs
  mountpoint -q "$mnt" && umount "$mnt"
  rm -f "$work/fs.img"
  truncate -s "$(python3 -c "print(int(3 * 2**30 * max(1, $size)))")" "$work/fs.img"
  case "$fs" in
    btrfs) mkfs.btrfs -q -f "$work/fs.img" >/dev/null 2>&1 ;;
    xfs) mkfs.xfs -q -f -m reflink=1 "$work/fs.img" ;;
  esac
  mount -o loop "$work/fs.img" "$mnt"
  python3 "$here/bench/corpus.py" "$mnt/corpus" --size "$size" > "$work/corpus.json"
  (cd "$mnt/corpus" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$work/sums"
  rm -rf "$work/index" "$work/dr.hash"
}

verify() {  # $1: which tool just ran
  if ! (cd "$mnt/corpus" && sha256sum -c --quiet "$work/sums"); then
    echo "bench: FILE CONTENT CHANGED after $1 on $fs" >&2
    exit 1
  fi
}

# dupex runs as cron runs it: an empty environment (no LANG), so names are read as bytes whatever the locale.
cron="env -i PATH=/usr/bin:/bin"

timed() {  # $1: key prefix; rest: command. Records wall, cpu, rss; stdout to $work/last.out
  local key=$1; shift
  /usr/bin/time -v -o "$work/time" "$@" > "$work/last.out" 2> "$work/last.err" || {
    echo "bench: $* failed:" >&2; cat "$work/last.err" >&2; exit 1; }
  python3 - "$work/time" "$key" >> "$facts" <<'PY'
import sys, re
t = open(sys.argv[1]).read(); k = sys.argv[2]
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\):\s*([\d:.]+)", t).group(1).split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
user = float(re.search(r"User time \(seconds\):\s*([\d.]+)", t).group(1))
sys_ = float(re.search(r"System time \(seconds\):\s*([\d.]+)", t).group(1))
rss = int(re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", t).group(1)) * 1024
print(f"{k}.wall={secs:.2f}\n{k}.cpu={user + sys_:.2f}\n{k}.rss={rss}")
PY
}

json_get() { python3 -c "import json,sys; d=json.load(open('$1')); print(eval('d' + sys.argv[1]))" "$2"; }

for fs in $fss; do
  echo "== $fs: corpus at --size $size" >&2
  fresh
  for k in logicalBytes allocatedBytes idealReclaimableBytes; do fact "$fs.corpus.$k" "$(json_get "$work/corpus.json" "['$k']")"; done

  echo "== $fs: cold read of the corpus" >&2
  drop
  timed "$fs.read" sh -c "cd '$mnt/corpus' && find . -type f -print0 | xargs -0 cat > /dev/null"

  echo "== $fs: dupex dedupe (cold), then again" >&2
  before=$(free_bytes); drop
  timed "$fs.dupex" $cron "$here/dupex" dedupe --json --index "$work/index" "$mnt/corpus"
  fact "$fs.dupex.freed" $(( $(free_bytes) - before ))
  fact "$fs.dupex.deduped" "$(json_get "$work/last.out" "['filesystems'][0]['dedupe']['bytesDeduped']")"
  fact "$fs.dupex.reportedFreed" "$(json_get "$work/last.out" "['filesystems'][0]['dedupe']['bytesFreed']")"
  fact "$fs.dupex.peakRss" "$(json_get "$work/last.out" "['peakRssBytes']")"
  for phase in scan plan dedupe; do fact "$fs.dupex.$phase.seconds" "$(json_get "$work/last.out" "['filesystems'][0]['$phase']['seconds']")"; done
  fact "$fs.dupex.requests" "$(json_get "$work/last.out" "['filesystems'][0]['dedupe']['requests']")"
  fact "$fs.dupex.dedupedDuringScan" "$(json_get "$work/last.out" "['filesystems'][0]['dedupe']['bytesDedupedDuringScan']")"
  fact "$fs.dupex.indexBytes" "$(du -sb "$work/index" | cut -f1)"
  fact "$fs.dupex.blocks" "$("$here/dupex" status --json --index "$work/index" | python3 -c "import json,sys; print(json.load(sys.stdin)['indexes'][0]['blocks'])")"
  verify "dupex dedupe"
  drop
  timed "$fs.dupex2" $cron "$here/dupex" dedupe --json --index "$work/index" "$mnt/corpus"
  fact "$fs.dupex2.requests" "$(json_get "$work/last.out" "['filesystems'][0]['dedupe']['requests']")"
  fact "$fs.dupex2.bytesRead" "$(json_get "$work/last.out" "['filesystems'][0]['scan']['bytesRead']")"
  fact "$fs.dupex2.plan.seconds" "$(json_get "$work/last.out" "['filesystems'][0]['plan']['seconds']")"
  fact "$fs.dupex2.layoutsRead" "$(json_get "$work/last.out" "['filesystems'][0]['plan']['layoutsRead']")"
  verify "dupex dedupe (second run)"

  # Three cold samples each, alternating (the disk's speed moves within a minute; one sample moved 0.8-2.1 s):
  # table.py reports the median and the range.
  echo "== $fs: cold find, cold dupex rescan (three of each), dupex --version" >&2
  for i in 1 2 3; do
    drop
    timed "$fs.find$i" sh -c "find '$mnt/corpus' -printf '%s\\n' > /dev/null"
    drop
    timed "$fs.rescan$i" $cron "$here/dupex" scan -q --index "$work/index" "$mnt/corpus"
  done
  "$here/dupex" --version > /dev/null
  timed "$fs.version" "$here/dupex" --version

  echo "== $fs: dupex report on a fresh corpus, then the real run" >&2
  fresh; drop
  timed "$fs.report" $cron "$here/dupex" report --json --index "$work/index" "$mnt/corpus"
  fact "$fs.report.estimate" "$(json_get "$work/last.out" "['filesystems'][0]['plan']['estimatedFreedBytes']")"
  verify "dupex report"
  before=$(free_bytes)
  "$here/dupex" dedupe -q --index "$work/index" "$mnt/corpus"
  fact "$fs.report.freedAfter" $(( $(free_bytes) - before ))
  verify "dupex dedupe after report"

  echo "== $fs: duperemove -dr --hashfile, then again" >&2
  fresh
  before=$(free_bytes); drop
  timed "$fs.duperemove" "$duperemove" -dr -q --hashfile="$work/dr.hash" "$mnt/corpus"
  fact "$fs.duperemove.freed" $(( $(free_bytes) - before ))
  verify "duperemove"
  drop
  timed "$fs.duperemove2" "$duperemove" -dr -q --hashfile="$work/dr.hash" "$mnt/corpus"
  verify "duperemove (second run)"
  umount "$mnt"
done

stamp=$(date -u +%Y-%m-%dT%H%M%SZ)
python3 "$here/bench/table.py" "$facts" "$size" "$fss" "$out/results-$stamp.json" | tee "$out/results-$stamp.txt"
