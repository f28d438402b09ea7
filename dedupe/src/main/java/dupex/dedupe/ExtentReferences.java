package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.linux.BtrfsTree;
import dupex.linux.NativeIOException;
import dupex.scanner.FileId;
import dupex.scanner.Subvolumes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads (from any thread) who references a btrfs disk extent, naming each referencing file by the index's id when it is a file this
 * run scanned (its subvolume was walked, and the last scan saw it), so that the planner's estimate and the rewrite
 * decide on the same facts.
 */
final class ExtentReferences {
  /** A disk extent as one of its items describes it. */
  record DiskExtent(long bytenr, long diskLength, boolean compressed) {
    static DiskExtent of(BtrfsTree.FileExtent x) {
      return new DiskExtent(x.diskBytenr(), x.diskLength(), x.compression() != 0);
    }

    /** Whether an item is data on disk that a rewrite or a dedupe could free (not inline, not a hole, not preallocated). */
    static boolean freeable(BtrfsTree.FileExtent x) {
      return x.type() == BtrfsTree.FileExtent.REGULAR && x.diskBytenr() != 0;
    }
  }

  private static final int CACHE = 1 << 16;
  private final BlockIndex index;
  private final Kernel kernel;
  private final Subvolumes subvolumes;
  private final Map<FileId, Boolean> inRun = new java.util.concurrent.ConcurrentHashMap<>();

  ExtentReferences(BlockIndex index, Kernel kernel, Subvolumes subvolumes) {
    this.index = index;
    this.kernel = kernel;
    this.subvolumes = subvolumes;
  }

  /** The extent and every range that references it now. */
  SharedExtent of(DiskExtent e) throws IOException {
    List<SharedExtent.Use> uses = new ArrayList<>();
    for (BtrfsTree.Referrer r : kernel.referrers(e.bytenr())) {
      FileId id = subvolumes.file(r.root(), r.inode());
      if (id != null && !inRun(id)) id = null;
      BtrfsTree.FileExtent x = r.item();
      uses.add(new SharedExtent.Use(id, r.root(), r.inode(), x.logical(), x.length(), x.offset()));
    }
    return new SharedExtent(e.bytenr(), e.diskLength(), e.compressed(), uses);
  }

  private boolean inRun(FileId id) throws IOException {
    Boolean known = inRun.get(id);
    if (known != null) return known;
    FileRecord rec = index.get(id).orElse(null);
    boolean in = rec != null && index.seenByLastScan(rec);
    if (inRun.size() >= CACHE) inRun.clear();
    inRun.put(id, in);
    return in;
  }

  /** Names a file outside the run for a message; its inode and subvolume where it cannot be named. */
  String describe(SharedExtent.Use u) {
    try {
      return kernel.describe(u.root(), u.inode()).toString();
    } catch (NativeIOException e) {
      return "inode " + Long.toUnsignedString(u.inode()) + " of subvolume " + u.root();
    }
  }
}
