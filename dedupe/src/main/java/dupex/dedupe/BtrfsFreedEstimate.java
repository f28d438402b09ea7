package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.Extent;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.scanner.FileId;
import java.util.ArrayList;
import java.util.List;

/**
 * Estimates the bytes a plan frees on btrfs, where an extent is freed only when none of it is referenced: per
 * destination file, from its extent map, an extent's planned bytes count when the rest of it will be copied away
 * (the rewrite policy allows it) or nothing of it remains; an extent shared with another file stays pinned.
 */
final class BtrfsFreedEstimate {
  /** One planned range of a destination file, and where its source is. */
  record Planned(long offset, long length, FileId src, long srcOffset) {}

  private final BlockIndex index;
  private final RewritePolicy rewrites;
  private final Kernel kernel;

  BtrfsFreedEstimate(BlockIndex index, RewritePolicy rewrites, Kernel kernel) {
    this.index = index;
    this.rewrites = rewrites;
    this.kernel = kernel;
  }

  long estimate(Spill byDest) throws IndexException {
    long freed = 0;
    try (Spill.Cursor c = byDest.cursor()) {
      FileId file = null;
      List<Planned> ranges = new ArrayList<>();
      for (; c.valid(); c.next()) {
        FileId id = PlanKeys.destFile(c.key());
        if (!id.equals(file)) {
          if (file != null) freed += fileEstimate(file, ranges);
          file = id;
          ranges = new ArrayList<>();
        }
        ranges.add(PlanKeys.planned(c.key(), c.value()));
      }
      if (file != null) freed += fileEstimate(file, ranges);
    }
    return freed;
  }

  private long fileEstimate(FileId id, List<Planned> ranges) throws IndexException {
    long planned = ranges.stream().mapToLong(Planned::length).sum();
    FileRecord rec = index.get(id).orElse(null);
    if (rec == null) return planned;
    // Without the file as scanned (gone, changed), count the plan as it is: the dedupe will find out.
    if (!(kernel.reopen(rec.paths(), rec.expected()) instanceof Reopened.Same<? extends OpenFile> same)) return planned;
    try (OpenFile f = same.file()) {
      return freedIn(id, f.extents(false), ranges, rec.size(), rewrites);
    } catch (NativeIOException e) {
      return planned;
    }
  }

  /**
   * Planned bytes of {@code file} that free their extent. An extent that holds the source of one of its own
   * file's ranges stays referenced.
   */
  static long freedIn(FileId file, List<Extent> extents, List<Planned> ranges, long size, RewritePolicy rewrites) {
    long freed = 0;
    for (Extent e : extents) {
      long end = Math.min(e.end(), size);
      if (end <= e.logical()) continue;
      long covered = 0;
      boolean holdsSource = false;
      for (Planned r : ranges) {
        covered += Math.max(0, Math.min(end, r.offset() + r.length()) - Math.max(e.logical(), r.offset()));
        if (r.src().equals(file) && r.srcOffset() < end && r.srcOffset() + r.length() > e.logical()) holdsSource = true;
      }
      if (covered == 0 || e.shared() || holdsSource) continue;
      long remaining = (end - e.logical()) - covered;
      if (remaining == 0 || (e.addressable() && rewrites.worthIt(covered, remaining))) freed += covered;
    }
    return freed;
  }
}
