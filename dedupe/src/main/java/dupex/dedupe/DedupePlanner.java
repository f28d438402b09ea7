package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.DupeGroup;
import dupex.index.GroupIterator;
import dupex.index.IndexException;
import dupex.index.Posting;
import dupex.index.Spill;
import dupex.linux.Root;
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
  private Spill byDest;

  private DedupePlanner(BlockIndex index, RewritePolicy btrfsRewrites, Kernel kernel) {
    this.index = index;
    this.btrfsRewrites = btrfsRewrites;
    this.kernel = kernel;
  }

  /** A planner whose estimate of bytes freed counts every duplicate block as freed on its own (XFS, ext4, ...). */
  public static DedupePlanner perBlock(BlockIndex index) {
    return new DedupePlanner(index, null, null);
  }

  /**
   * A planner for btrfs, which frees an extent only when none of it is referenced: its estimate counts an
   * extent's duplicate bytes only where the whole extent will be freed, given the dedupe's rewrite policy.
   */
  public static DedupePlanner btrfs(BlockIndex index, RewritePolicy rewrites, List<Root> roots) {
    return new DedupePlanner(index, rewrites, Kernel.linux(roots));
  }

  public DedupePlan plan() throws IndexException {
    return plan(() -> false);
  }

  /** Plans the groups met until {@code stop} turns true (the run's deadline): a partial plan is a valid one. */
  public DedupePlan plan(java.util.function.BooleanSupplier stop) throws IndexException {
    long start = System.nanoTime();
    PlanTotals.Tally totals = new PlanTotals.Tally();
    Spill ranges = index.openSpill("ranges");
    try (Spill pairs = index.openSpill("pairs")) {
      try (GroupIterator groups = index.groups()) {
        for (DupeGroup g; !stop.getAsBoolean() && (g = groups.next()) != null; ) addGroup(g, pairs, totals);
        totals.truncatedGroups = groups.truncatedGroups();
      }
      if (btrfsRewrites != null) byDest = index.openSpill("bydest");
      coalesce(pairs, ranges, totals);
      if (byDest != null) totals.estimatedFreedBytes = new BtrfsFreedEstimate(index, btrfsRewrites, kernel).estimate(byDest);
      return new DedupePlan(ranges, totals.totals(start));
    } catch (IndexException | RuntimeException e) {
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
