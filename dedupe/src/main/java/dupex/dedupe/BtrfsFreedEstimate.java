package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.BtrfsTree;
import dupex.linux.Errno;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.scanner.FileId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import dupex.index.TaskPool;

/**
 * Estimates the disk bytes a plan frees on btrfs with the decision the dedupe itself makes per extent
 * ({@link SharedExtent#fate}): for every extent that a planned destination range lies in, the references left once
 * the plan's ranges have moved; freed whole, freed by a rewrite (net of the copy), or pinned by a file outside
 * the run. Compressed extents count with their size on disk.
 */
final class BtrfsFreedEstimate {
  /** One planned range of a destination file, and where its source is. */
  record Planned(long offset, long length, FileId src, long srcOffset) {}

  /** Disk bytes the plan should free, and disk bytes of extents kept by files outside the run. */
  record Estimate(long freed, long pinned) {}

  /** A planned destination range of one file. */
  private record Move(FileId file, long offset, long length) {}

  /** An extent some planned range lies in, and the planned ranges that lie in it. */
  private record Candidate(ExtentReferences.DiskExtent extent, List<Move> moves) {}

  private final BlockIndex index;
  private final RewritePolicy rewrites;
  private final Kernel kernel;
  private final ExtentReferences references;
  private final DedupeListener listener;
  private volatile boolean unprivileged;
  /** Files whose extents are read at once, and extents whose references are: each is a tree search in the kernel. */
  private static final int THREADS = 4;

  BtrfsFreedEstimate(BlockIndex index, RewritePolicy rewrites, Kernel kernel, ExtentReferences references,
                     DedupeListener listener) {
    this.index = index;
    this.rewrites = rewrites;
    this.kernel = kernel;
    this.references = references;
    this.listener = listener;
  }

  /**
   * The estimate for the planned destination ranges in {@code byDest}. Measured over 300,000 small files (30,000
   * planned copies): 4 s on one thread, mostly the kernel's tree searches; so a few files and extents at once.
   */
  Estimate estimate(Spill byDest) throws IOException {
    try (Spill candidates = index.openSpill("estimate")) {
      return estimate(byDest, candidates);
    }
  }

  /**
   * {@code candidates} receives, spilled (its size grows with the plan), one entry per planned range and extent it
   * lies in: diskBytenr(8) file(16) offset(8) -> diskLength(8) compressed(1) length(8).
   */
  private Estimate estimate(Spill byDest, Spill candidates) throws IOException {
    AtomicLong unknown = new AtomicLong();
    try (TaskPool pool = new TaskPool(THREADS); Spill.Cursor c = byDest.cursor()) {
      FileId file = null;
      List<Planned> ranges = new ArrayList<>();
      for (; c.valid() && pool.ok(); c.next()) {
        FileId id = PlanKeys.destFile(c.key());
        if (!id.equals(file)) {
          if (file != null) collectLater(pool, file, ranges, candidates, unknown);
          file = id;
          ranges = new ArrayList<>();
        }
        ranges.add(PlanKeys.planned(c.key(), c.value()));
      }
      if (file != null) collectLater(pool, file, ranges, candidates, unknown);
      pool.finish();
    }
    if (unprivileged) {
      listener.warning("the estimate counts every duplicate byte as freed: reading btrfs extent references needs "
          + "CAP_SYS_ADMIN (run dupex as root)");
    }
    AtomicLong freed = new AtomicLong(unknown.get()), pinned = new AtomicLong();
    // Extent references are in the extent tree only once the transaction that made them commits.
    if (candidates.count() > 0) kernel.syncedFsStat();
    try (TaskPool pool = new TaskPool(THREADS); Spill.Cursor c = candidates.cursor()) {
      Candidate cand = null; // the extent being read back, with the moves into it so far
      for (; c.valid() && pool.ok(); c.next()) {
        java.nio.ByteBuffer k = java.nio.ByteBuffer.wrap(c.key()), v = java.nio.ByteBuffer.wrap(c.value());
        long bytenr = k.getLong();
        if (cand == null || cand.extent().bytenr() != bytenr) {
          if (cand != null) estimateLater(pool, cand, freed, pinned);
          cand = new Candidate(new ExtentReferences.DiskExtent(bytenr, v.getLong(0), v.get(8) != 0), new ArrayList<>());
        }
        cand.moves().add(new Move(PlanKeys.destFile(java.util.Arrays.copyOfRange(c.key(), 8, 24)), k.getLong(24), v.getLong(9)));
      }
      if (cand != null && pool.ok()) estimateLater(pool, cand, freed, pinned);
      pool.finish();
    }
    return new Estimate(freed.get(), pinned.get());
  }

  /** Decides, on the pool, what becomes of one extent once every planned range in it has moved. */
  private void estimateLater(TaskPool pool, Candidate cand, AtomicLong freed, AtomicLong pinned) {
    pool.submit(() -> {
      SharedExtent e = references.of(cand.extent());
      for (Move m : cand.moves()) e = e.without(m.file(), m.offset(), m.length());
      SharedExtent.Fate fate = e.fate(rewrites);
      freed.addAndGet(fate.freed());
      if (fate instanceof SharedExtent.Pinned) pinned.addAndGet(e.diskLength());
    });
  }

  private void collectLater(TaskPool pool, FileId file, List<Planned> ranges, Spill candidates, AtomicLong unknown) {
    pool.submit(() -> unknown.addAndGet(collect(file, ranges, candidates)));
  }

  /**
   * Adds the extents a destination's planned ranges lie in to {@code candidates}; returns the planned bytes of a
   * file whose extents cannot be read (gone, changed, not root): counted as they are, the dedupe will find out.
   */
  private long collect(FileId id, List<Planned> ranges, Spill candidates) throws IOException {
    long planned = ranges.stream().mapToLong(Planned::length).sum();
    FileRecord rec = index.get(id).orElse(null);
    if (rec == null) return planned;
    if (!(kernel.reopen(rec.paths(), rec.expected()) instanceof Reopened.Same<? extends OpenFile> same)) return planned;
    List<BtrfsTree.FileExtent> items;
    try (OpenFile f = same.file()) {
      items = kernel.items(f);
    } catch (NativeIOException e) {
      if (e.errno() == Errno.EPERM) unprivileged = true;
      return planned;
    }
    // Both lists are in file order: one pass.
    addCandidates(id, ranges, items, candidates);
    return 0;
  }

  private static void addCandidates(FileId id, List<Planned> ranges, List<BtrfsTree.FileExtent> items, Spill candidates)
      throws IndexException {
    int i = 0;
    for (Planned r : ranges) {
      long end = DupeRange.blockEnd(r.offset() + r.length());
      while (i < items.size() && items.get(i).end() <= r.offset()) i++;
      for (int j = i; j < items.size() && items.get(j).logical() < end; j++) {
        BtrfsTree.FileExtent x = items.get(j);
        if (!ExtentReferences.DiskExtent.freeable(x)) continue;
        candidates.put(java.nio.ByteBuffer.allocate(32).putLong(x.diskBytenr()).put(PlanKeys.file(id)).putLong(r.offset()).array(),
            java.nio.ByteBuffer.allocate(17).putLong(x.diskLength()).put((byte) (x.compression() != 0 ? 1 : 0))
                .putLong(end - r.offset()).array());
      }
    }
  }
}
