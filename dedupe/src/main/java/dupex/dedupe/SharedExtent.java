package dupex.dedupe;

import dupex.scanner.FileId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One btrfs disk extent and every file range that references it, and what a run can do with it. btrfs frees an
 * extent only when nothing references any part of it: when no range is left, it is freed; when every range left
 * belongs to a file this run scanned, copying the still-referenced ("live") bytes once and sharing each range with
 * the copy frees it, if the bytes freed are worth the bytes copied; a range of any other file keeps it (pinned).
 */
record SharedExtent(long diskBytenr, long diskLength, boolean compressed, List<Use> uses) {
  static final long BLOCK = 4096;

  SharedExtent {
    uses = List.copyOf(uses);
  }

  /**
   * A file range referencing the extent: [logical, logical + length) of inode {@code inode} of subvolume
   * {@code root}, pointing at {@code extentOffset} into the extent's (uncompressed) bytes. {@code file} is null
   * when the file is not one this run scanned (another subvolume, an excluded or filtered path).
   */
  record Use(FileId file, long root, long inode, long logical, long length, long extentOffset) {
    long end() {
      return logical + length;
    }
  }

  /** What becomes of the extent. */
  sealed interface Fate {
    /** Disk bytes freed, net of the copies made. */
    long freed();
  }

  /** Nothing references it any more. */
  record Freed(long freed) implements Fate {}

  /** Copy {@code live} (extent offsets, block-aligned, disjoint, in order) and share every use with the copy. */
  record Rewrite(List<long[]> live, long copied, long freed) implements Fate {}

  /** A file outside the run references it; it stays. */
  record Pinned(Use by) implements Fate {
    public long freed() {
      return 0;
    }
  }

  /** It stays for the reason given. */
  record Kept(String why) implements Fate {
    public long freed() {
      return 0;
    }
  }

  Fate fate(RewritePolicy policy) {
    if (uses.isEmpty()) return new Freed(diskLength);
    for (Use u : uses) if (u.file() == null) return new Pinned(u);
    // A copy would be compressed again only if the mount or the file asks for it, and then by a heuristic: what
    // the rewrite would free cannot be known in advance. Compressed extents hold at most 128 KiB; they are freed
    // when every reference moves away, never copied.
    if (compressed) return new Kept("compressed extent still referenced");
    List<long[]> live = live();
    long copied = live.stream().mapToLong(r -> r[1] - r[0]).sum();
    long freed = diskLength - copied;
    if (freed <= 0 || !policy.worthIt(freed, copied)) return new Kept("too little of it would be freed");
    return new Rewrite(live, copied, freed);
  }

  /** The extent bytes some use still points at: block-aligned, merged, in order. */
  List<long[]> live() {
    List<long[]> spans = new ArrayList<>();
    for (Use u : uses) {
      long from = u.extentOffset() / BLOCK * BLOCK, to = (u.extentOffset() + u.length() + BLOCK - 1) / BLOCK * BLOCK;
      spans.add(new long[] {from, compressed ? to : Math.min(to, diskLength)});
    }
    spans.sort(Comparator.comparingLong(r -> r[0]));
    List<long[]> merged = new ArrayList<>();
    for (long[] s : spans) {
      long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
      if (last != null && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.add(s.clone());
    }
    return merged;
  }

  /** This extent as it will be once {@code [offset, offset + length)} of {@code file} references something else. */
  SharedExtent without(FileId file, long offset, long length) {
    long end = offset + length;
    List<Use> left = new ArrayList<>(uses.size() + 1);
    for (Use u : uses) {
      if (!file.equals(u.file()) || end <= u.logical() || offset >= u.end()) {
        left.add(u);
        continue;
      }
      if (u.logical() < offset) left.add(new Use(u.file(), u.root(), u.inode(), u.logical(), offset - u.logical(), u.extentOffset()));
      if (end < u.end()) left.add(new Use(u.file(), u.root(), u.inode(), end, u.end() - end, u.extentOffset() + (end - u.logical())));
    }
    return new SharedExtent(diskBytenr, diskLength, compressed, left);
  }
}
