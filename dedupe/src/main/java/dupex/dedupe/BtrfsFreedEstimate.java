package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.Extent;
import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.NativeIOException;
import dupex.scanner.FileId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Estimates the bytes a plan frees on btrfs, where an extent is freed only when none of it is referenced: per
 * destination file, from its extent map, an extent's planned bytes count when the rest of it will be copied away
 * (the rewrite threshold is met) or nothing of it remains; an extent shared with another file stays pinned.
 */
final class BtrfsFreedEstimate {
  private final BlockIndex index;
  private final double threshold;

  BtrfsFreedEstimate(BlockIndex index, double threshold) {
    this.index = index;
    this.threshold = threshold;
  }

  long estimate(Spill byDest) throws IndexException {
    long freed = 0;
    try (Spill.Cursor c = byDest.cursor()) {
      FileId file = null;
      List<long[]> ranges = new ArrayList<>();
      for (; c.valid(); c.next()) {
        FileId id = PlanKeys.destFile(c.key());
        if (!id.equals(file)) {
          if (file != null) freed += fileEstimate(file, ranges);
          file = id;
          ranges = new ArrayList<>();
        }
        long[] range = PlanKeys.destValue(c.value());
        range[0] = PlanKeys.destOffset(c.key());
        ranges.add(range);
      }
      if (file != null) freed += fileEstimate(file, ranges);
    }
    return freed;
  }

  private long fileEstimate(FileId id, List<long[]> ranges) throws IndexException {
    long planned = 0;
    for (long[] r : ranges) planned += r[1];
    for (long[] r : ranges) if (r[2] != id.device() || r[3] != id.inode()) r[4] = -1; // only sources inside this file matter
    FileRecord rec = index.get(id).orElse(null);
    if (rec == null) return planned;
    for (Path path : rec.paths()) {
      try (FileHandle h = FileHandle.open(path)) {
        FileStat st = h.stat();
        if (st.inode() != id.inode() || st.device() != id.device()) continue;
        return freedIn(h.extents(false), ranges, st.size(), threshold);
      } catch (NativeIOException e) {
        // try the next link; without any, count the plan as it is
      }
    }
    return planned;
  }

  /**
   * Planned bytes that free their extent. Ranges are [offset, length, srcDevice, srcInode, srcOffset], with
   * srcOffset -1 when the source is another file: an extent that holds the source of one of its own file's ranges
   * stays referenced.
   */
  static long freedIn(List<Extent> extents, List<long[]> ranges, long size, double threshold) {
    long freed = 0;
    for (Extent e : extents) {
      long end = Math.min(e.end(), size);
      if (end <= e.logical()) continue;
      long covered = 0;
      boolean holdsSource = false;
      for (long[] r : ranges) {
        covered += Math.max(0, Math.min(end, r[0] + r[1]) - Math.max(e.logical(), r[0]));
        if (r[4] >= 0 && r[4] < end && r[4] + r[1] > e.logical()) holdsSource = true;
      }
      if (covered == 0 || e.shared() || holdsSource) continue;
      long remaining = (end - e.logical()) - covered;
      if (remaining == 0 || (e.addressable() && covered >= threshold * remaining)) freed += covered;
    }
    return freed;
  }
}
