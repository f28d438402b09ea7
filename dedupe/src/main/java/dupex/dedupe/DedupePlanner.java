package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.DupeGroup;
import dupex.index.GroupIterator;
import dupex.index.IndexException;
import dupex.index.Posting;
import dupex.index.Spill;
import dupex.linux.Root;
import dupex.scanner.Subvolumes;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns duplicate groups into maximal ranges. Each group gets one source (the physical block most members
 * already share, then a block in an extent shared with another file, then the lowest file and block), chosen the same way for every group so that consecutive
 * duplicate blocks of two files pair up the same way; the (destination, source, offset delta, block) pairs are
 * spilled to disk in that order, where runs of consecutive blocks coalesce into ranges, which are spilled again
 * largest first.
 */
public final class DedupePlanner {
  private final BlockIndex index;
  /** On btrfs, the dedupe's rewrite policy; null where the filesystem frees block by block. */
  private final RewritePolicy btrfsRewrites;
  private final Kernel kernel;
  private final Subvolumes subvolumes;
  private final DedupeListener listener;
  private Spill byDest;

  private DedupePlanner(BlockIndex index, RewritePolicy btrfsRewrites, Kernel kernel, Subvolumes subvolumes,
                        DedupeListener listener) {
    this.index = index;
    this.btrfsRewrites = btrfsRewrites;
    this.kernel = kernel;
    this.subvolumes = subvolumes;
    this.listener = listener;
  }

  /** A planner whose estimate of bytes freed counts every duplicate block as freed on its own (XFS, ext4, ...). */
  public static DedupePlanner perBlock(BlockIndex index) {
    return new DedupePlanner(index, null, null, null, DedupeListener.NONE);
  }

  /**
   * A planner for btrfs, which frees an extent only when nothing references it: its estimate decides per extent as
   * the dedupe will ({@link BtrfsFreedEstimate}), given the rewrite policy and the subvolumes the scan walked.
   */
  public static DedupePlanner btrfs(BlockIndex index, RewritePolicy rewrites, List<Root> roots, Subvolumes subvolumes,
                                    DedupeListener listener) {
    return btrfs(index, rewrites, Kernel.linux(roots), subvolumes, listener);
  }

  static DedupePlanner btrfs(BlockIndex index, RewritePolicy rewrites, Kernel kernel, Subvolumes subvolumes,
                             DedupeListener listener) {
    return new DedupePlanner(index, rewrites, kernel, subvolumes, listener);
  }

  public DedupePlan plan() throws java.io.IOException {
    return plan(() -> false);
  }

  /** Plans the groups met until {@code stop} turns true (the run's deadline): a partial plan is a valid one. */
  public DedupePlan plan(java.util.function.BooleanSupplier stop) throws java.io.IOException {
    long start = System.nanoTime();
    PlanTotals.Tally totals = new PlanTotals.Tally();
    Spill ranges = index.openSpill("ranges");
    try (Spill pairs = index.openSpill("pairs")) {
      try (GroupIterator groups = index.groups()) {
        for (DupeGroup g; !stop.getAsBoolean() && (g = groups.next()) != null; ) addGroup(g, pairs, totals);
        totals.truncatedGroups = groups.truncatedGroups();
        totals.alreadySharedBytes += groups.alreadySharedBytes();
      }
      if (btrfsRewrites != null) byDest = index.openSpill("bydest");
      coalesce(pairs, ranges, totals);
      if (byDest != null) {
        BtrfsFreedEstimate.Estimate e = new BtrfsFreedEstimate(index, btrfsRewrites, kernel,
            new ExtentReferences(index, kernel, subvolumes), listener).estimate(byDest);
        totals.estimatedFreedBytes = e.freed();
        totals.pinnedBytes = e.pinned();
      }
      return new DedupePlan(ranges, totals.totals(start));
    } catch (java.io.IOException | RuntimeException e) {
      ranges.close();
      throw e;
    } finally {
      if (byDest != null) byDest.close();
      byDest = null;
    }
  }

  static final Comparator<Posting> BY_PLACE = Comparator.comparing(Posting::file).thenComparingInt(Posting::blockIndex);

  /** Picks the group's source and spills one pair per destination; estimates bytes freed per physical block. */
  void addGroup(DupeGroup group, Spill pairs, PlanTotals.Tally totals) throws IndexException {
    List<Posting> members = group.members();
    Map<Long, Integer> perPhysical = new HashMap<>();
    for (Posting p : members) if (p.physical() != 0) perPhysical.merge(p.physical(), 1, Integer::sum);
    Posting source = null;
    for (Posting p : members) {
      if (source == null) {
        source = p;
        continue;
      }
      int have = source.physical() == 0 ? 0 : perPhysical.get(source.physical());
      int cand = p.physical() == 0 ? 0 : perPhysical.get(p.physical());
      if (cand > have || (cand == have && better(p, source))) source = p;
    }
    totals.groups++;
    long freed = 0;
    java.util.Set<Long> counted = new java.util.HashSet<>();
    for (Posting p : members) {
      if (p == source) continue;
      if (p.physical() != 0 && p.physical() == source.physical()) {
        totals.alreadySharedBytes += p.length();
        continue;
      }
      long delta = (long) p.blockIndex() - source.blockIndex();
      pairs.put(PlanKeys.pair(p.file(), source.file(), delta, p.blockIndex()), PlanKeys.intValue(p.length()));
      totals.duplicateBytes += p.length();
      if (p.physical() == 0 || counted.add(p.physical())) freed += p.length();
    }
    totals.estimatedFreedBytes += freed;
  }

  /**
   * Between two members on as many shared blocks: the one in an extent another file references too (it stays
   * allocated whatever this run does, so sharing it frees the other copy's whole extent), then the lowest place.
   */
  static boolean better(Posting p, Posting than) {
    if (p.sharedExtent() != than.sharedExtent()) return p.sharedExtent();
    return BY_PLACE.compare(p, than) < 0;
  }

  /** Merges consecutive blocks of one (dest, source, delta) into ranges; a range inside one file never overlaps itself. */
  void coalesce(Spill pairs, Spill ranges, PlanTotals.Tally totals) throws IndexException {
    long blockSize = index.settings().blockSize();
    try (Spill.Cursor c = pairs.cursor()) {
      PlanKeys.Pair run = null;
      int runBlocks = 0;
      long runBytes = 0;
      for (; c.valid(); c.next()) {
        PlanKeys.Pair p = PlanKeys.pair(c.key());
        int length = PlanKeys.intOf(c.value());
        boolean extends_ = run != null && p.dst().equals(run.dst()) && p.src().equals(run.src())
            && p.delta() == run.delta() && p.dstBlock() == run.dstBlock() + runBlocks
            && runBytes == (long) runBlocks * blockSize // only full blocks can be followed
            && !(p.dst().equals(p.src()) && runBlocks >= Math.abs(p.delta()));
        if (extends_) {
          runBlocks++;
          runBytes += length;
          continue;
        }
        if (run != null) emit(run, runBytes, ranges, totals);
        run = p;
        runBlocks = 1;
        runBytes = length;
      }
      if (run != null) emit(run, runBytes, ranges, totals);
    }
  }

  private void emit(PlanKeys.Pair run, long bytes, Spill ranges, PlanTotals.Tally totals) throws IndexException {
    long blockSize = index.settings().blockSize();
    long dstOffset = run.dstBlock() * blockSize;
    long srcOffset = (run.dstBlock() - run.delta()) * blockSize;
    ranges.put(PlanKeys.range(new DupeRange(run.src(), srcOffset, run.dst(), dstOffset, bytes)), new byte[0]);
    if (byDest != null) byDest.put(PlanKeys.destRange(run.dst(), dstOffset), PlanKeys.destValue(bytes, run.src(), srcOffset));
    totals.ranges++;
  }
}
