package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.TaskPool;
import dupex.index.DupeGroup;
import dupex.index.FileRecord;
import dupex.scanner.FileId;
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
 * Turns groups of anchors (places with equal hashes: each file's first block, and 4 KiB blocks sampled by content)
 * into maximal ranges. Each group gets one source (the physical block most members already share, then a block in
 * an extent shared with another file, then the lowest place), chosen the same way for every group so that the
 * anchors of one duplicated run pair up the same way; the (destination, source, offset delta, offset) anchors are
 * spilled in that order, each run is grown to its true ends once ({@link MatchExtender}), and the runs are then
 * taken in order of place in each destination, overlaps cut, those shorter than the minimum match dropped, and
 * spilled again largest first. The groups are read once, and the extent maps of the unchanged files they hold read
 * where the plan depends on them ({@link #pairUp}).
 */
public final class DedupePlanner {
  private final BlockIndex index;
  /** On btrfs, the dedupe's rewrite policy; null where the filesystem frees block by block. */
  private final RewritePolicy btrfsRewrites;
  private final Kernel kernel;
  private final Subvolumes subvolumes;
  private final DedupeListener listener;
  private final long minMatch;
  private Spill byDest;

  private DedupePlanner(BlockIndex index, RewritePolicy btrfsRewrites, Kernel kernel, Subvolumes subvolumes,
                        DedupeListener listener, long minMatch) {
    this.index = index;
    this.btrfsRewrites = btrfsRewrites;
    this.kernel = kernel;
    this.subvolumes = subvolumes;
    this.listener = listener;
    this.minMatch = minMatch;
  }

  /**
   * A planner whose estimate of bytes freed counts every duplicate block as freed on its own (XFS, ext4, ...); it
   * reads files below {@code roots} to confirm and extend matches.
   */
  public static DedupePlanner perBlock(BlockIndex index, List<Root> roots, DedupeListener listener, long minMatch) {
    return new DedupePlanner(index, null, Kernel.linux(roots), null, listener, minMatch);
  }

  /** As {@link #perBlock(BlockIndex, List, DedupeListener, long)}, reading through {@code kernel} (null: reading nothing). */
  static DedupePlanner perBlock(BlockIndex index, Kernel kernel, long minMatch) {
    return new DedupePlanner(index, null, kernel, null, DedupeListener.NONE, minMatch);
  }

  /**
   * A planner for btrfs, which frees an extent only when nothing references it: its estimate decides per extent as
   * the dedupe will ({@link BtrfsFreedEstimate}), given the rewrite policy and the subvolumes the scan walked.
   */
  public static DedupePlanner btrfs(BlockIndex index, RewritePolicy rewrites, List<Root> roots, Subvolumes subvolumes,
                                    DedupeListener listener, long minMatch) {
    return btrfs(index, rewrites, Kernel.linux(roots), subvolumes, listener, minMatch);
  }

  static DedupePlanner btrfs(BlockIndex index, RewritePolicy rewrites, Kernel kernel, Subvolumes subvolumes,
                             DedupeListener listener, long minMatch) {
    return new DedupePlanner(index, rewrites, kernel, subvolumes, listener, minMatch);
  }

  public DedupePlan plan() throws java.io.IOException {
    return plan(() -> false);
  }

  /** Plans the groups met until {@code stop} turns true (the run's deadline): a partial plan is a valid one. */
  public DedupePlan plan(java.util.function.BooleanSupplier stop) throws java.io.IOException {
    long start = System.nanoTime();
    PlanTotals.Tally totals = new PlanTotals.Tally();
    Spill ranges = index.openSpill("ranges");
    Spill pairs = null;
    try (Spill found = index.openSpill("found")) {
      DedupeCounters opened = new DedupeCounters();
      ScannedFiles files = kernel == null ? null : new ScannedFiles(index, kernel, listener, opened);
      pairs = index.openSpill("pairs");
      if (pairUp(pairs, files, false, stop, totals)) {
        // Blocks had moved since they were recorded (a defragmentation, a balance, another tool's dedupe): what
        // moved one file's blocks may have moved its partners', so every grouped file's layout is read, and the
        // groups are paired again on what the files hold now.
        pairs.close();
        pairs = null; // closed once: a failure below must not drop it again
        pairUp(null, files, true, stop, totals);
        pairs = index.openSpill("pairs");
        pairUp(pairs, null, false, stop, totals);
      }
      try (MatchExtender extender = new MatchExtender(index, files, index.settings().blockSize())) {
        extend(pairs, found, extender, stop);
        totals.bytesRead = extender.bytesRead;
        totals.filesSkipped = opened.filesSkipped;
      }
      if (btrfsRewrites != null) byDest = index.openSpill("bydest");
      select(found, ranges, totals);
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
      if (pairs != null) pairs.close();
      if (byDest != null) byDest.close();
      byDest = null;
    }
  }

  /**
   * One pass over the groups: adds each to {@code pairs} (unless null) and, given {@code files}, then reads the
   * extent maps of the grouped files whose layout the scan did not read (they were unchanged) where the plan depends
   * on it: a defragmentation, a balance or another tool's dedupe moves blocks without touching a file's stat, and a
   * plan on old addresses would take blocks for shared that are not, or the reverse. Every member of a group not
   * shared yet by its recorded layouts is read; with {@code readAll} every member of every group, otherwise members
   * of groups shared already are trusted, but each run reads those of one file in {@link #LAYOUT_CHECK_RUNS} (by
   * inode and run), so blocks a defragmentation unshared are found again within that many runs. Files in no group
   * are never opened.
   *
   * @return whether a file's blocks had moved (then the pairs were made on old addresses)
   */
  private boolean pairUp(Spill pairs, ScannedFiles files, boolean readAll, java.util.function.BooleanSupplier stop,
                         PlanTotals.Tally totals) throws java.io.IOException {
    long run = index.lastEpoch();
    totals.groups = 0;
    // The files to read, each once, in key order (a spill is a set); whether a layout is current is read by the
    // refresh, once per file.
    try (Spill toRead = index.openSpill("layouts")) {
      try (GroupIterator groups = index.groups()) {
        for (DupeGroup g; !stop.getAsBoolean() && (g = groups.next()) != null; ) {
          if (pairs != null) addGroup(g, pairs, totals);
          if (files == null) continue;
          boolean trusted = !readAll && !GroupIterator.worthSharing(g.members());
          for (Posting p : g.members()) {
            if (!trusted || layoutCheckDue(p.file(), run)) toRead.put(PlanKeys.file(p.file()), new byte[0]);
          }
        }
        totals.truncatedGroups = groups.truncatedGroups();
      }
      return files != null && readLayouts(files, toRead, stop, totals);
    }
  }

  /** Runs after which a file in a group shared already has its layout read again (one in this many, each run). */
  static final int LAYOUT_CHECK_RUNS = 8;

  /** Whether run {@code run} reads the layout of a file it would otherwise trust. */
  static boolean layoutCheckDue(FileId id, long run) {
    long h = (id.inode() ^ id.device() * 31) * 0x9E3779B97F4A7C15L;
    return Math.floorMod((h >>> 32) + run, LAYOUT_CHECK_RUNS) == 0;
  }

  /** Reads the layouts of the files in {@code toRead} (a few at once) and records them; tells whether any had moved. */
  private boolean readLayouts(ScannedFiles files, Spill toRead, java.util.function.BooleanSupplier stop,
                              PlanTotals.Tally totals) throws java.io.IOException {
    // Opening a file and reading its extent map are system calls that wait on the disk: a few at once.
    java.util.concurrent.atomic.AtomicLong read = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean moved = new java.util.concurrent.atomic.AtomicBoolean();
    try (TaskPool pool = new TaskPool(LAYOUT_THREADS); Spill.Cursor c = toRead.cursor()) {
      for (; c.valid() && !stop.getAsBoolean() && pool.ok(); c.next()) {
        FileId id = PlanKeys.destFile(c.key());
        pool.submit(() -> {
          Boolean m = refreshLayout(files, id);
          if (m != null) {
            read.incrementAndGet();
            if (m) moved.set(true);
          }
        });
      }
      pool.finish();
    }
    totals.layoutsRead += read.get();
    return moved.get();
  }

  private static final int LAYOUT_THREADS = 4;

  /**
   * Records where one file's blocks are now, if it is still the file scanned: whether they had moved, or null if
   * its layout was not read (read already in this run, changed, gone).
   */
  private Boolean refreshLayout(ScannedFiles files, FileId id) throws IndexException {
    FileRecord rec = files.record(id);
    if (rec == null || index.layoutCurrent(rec)) return null;
    try (ScannedFiles.Open o = files.open(rec, false)) {
      if (o != null) return index.updatePhysicals(rec, o.file().extents(true));
    } catch (dupex.linux.NativeIOException e) {
      files.report(rec, dupex.scanner.SkipReason.UNREADABLE, "extent map: " + e.getMessage());
    }
    return null;
  }

  static final Comparator<Posting> BY_PLACE = Comparator.comparing(Posting::file).thenComparingLong(Posting::offset);

  /** Picks the group's source and spills one anchor pair per other member, flagged with what its block shares. */
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
    if (GroupIterator.worthSharing(members)) totals.groups++;
    java.util.Set<Long> counted = new java.util.HashSet<>();
    for (Posting p : members) {
      if (p == source) continue;
      int flags = 0;
      if (p.physical() != 0 && p.physical() == source.physical()) {
        flags = PlanKeys.SHARED;
      } else if (p.physical() != 0 && !counted.add(p.physical())) {
        flags = PlanKeys.SHADOW;
      }
      pairs.put(PlanKeys.pair(p.file(), source.file(), p.offset() - source.offset(), flags == PlanKeys.SHARED, p.offset()),
          PlanKeys.pairValue(p.length(), flags));
    }
  }

  /**
   * Between two members on as many shared blocks: the one in an extent another file references too (it stays
   * allocated whatever this run does, so sharing it frees the other copy's whole extent), then the lowest place.
   */
  static boolean better(Posting p, Posting than) {
    if (p.sharedExtent() != than.sharedExtent()) return p.sharedExtent();
    return BY_PLACE.compare(p, than) < 0;
  }

  /**
   * Finds the runs of each (destination, source, delta): where the delta is a whole number of blocks, every run of
   * equal block hashes the two files hold at that delta (so one anchor, such as two files' equal first blocks, finds
   * every same-offset copy between them, as a 128 KiB index would), each grown 4 KiB-wise into its neighbours; then
   * each anchor not inside a run found already is grown on its own. A run is shared when its first anchor is (shared
   * anchors sort last): it is then counted, not planned, and grown without reading. A run with both (a copy shared
   * in part: another tool's dedupe, a run stopped by its deadline, a clone edited in places) is cut by both files'
   * extent maps ({@link MatchExtender#byLayout}): what is shared already is counted, the rest planned.
   *
   * <p>Groups choose their sources one by one, so two files can be linked both ways (A's blocks onto B's in one group,
   * B's onto A's in another, when a reflinked clone changed one block): growing both would share A onto B and B onto
   * A over the same bytes. Such a pair is taken one way only, the higher file as the destination, its anchors
   * turned around.
   */
  void extend(Spill pairs, Spill found, MatchExtender extender, java.util.function.BooleanSupplier stop)
      throws java.io.IOException {
    RunFound out = new RunFound(found, extender);
    try (Spill.Cursor c = pairs.cursor()) {
      PlanKeys.Pair run = null;
      int runFlags = 0;
      boolean flipped = false;
      java.util.ArrayDeque<MatchExtender.Match> ahead = new java.util.ArrayDeque<>(); // this run's matches not yet passed
      FileRecord dst = null, src = null;
      for (; c.valid() && !stop.getAsBoolean(); c.next()) {
        PlanKeys.Pair p = PlanKeys.pair(c.key());
        int flags = PlanKeys.flagsOf(c.value());
        boolean fresh = !p.sameRun(run);
        if (fresh) {
          out.flush();
          run = p;
          flipped = p.dst().compareTo(p.src()) < 0 && pairs.containsPrefix(PlanKeys.run(p.src(), p.dst(), -p.delta()));
          runFlags = flipped ? flags & ~PlanKeys.SHADOW : flags; // SHADOW spoke of the other file
          // the anchors turned around here are shared in part if the other way's are
          out.mixed = flipped && (runFlags & PlanKeys.SHARED) == 0
              && pairs.containsPrefix(PlanKeys.sharedRun(p.src(), p.dst(), -p.delta()));
          ahead.clear();
        }
        if ((flags & PlanKeys.SHARED) != 0 && (runFlags & PlanKeys.SHARED) == 0) out.mixed = true;
        if (flipped) {
          p = new PlanKeys.Pair(p.src(), p.dst(), -p.delta(), p.srcOffset());
          flags &= ~PlanKeys.SHADOW;
        }
        if (dst == null || !dst.id().equals(p.dst())) dst = index.get(p.dst()).orElse(null);
        if (src == null || !src.id().equals(p.src())) src = index.get(p.src()).orElse(null);
        if (dst == null || src == null) continue;
        boolean shared = (runFlags & PlanKeys.SHARED) != 0;
        if (fresh) {
          for (MatchExtender.Match m : extender.sameOffsets(dst, src, p.delta(), !shared)) {
            out.add(p, m, dst, runFlags);
            ahead.add(m);
          }
        }
        while (!ahead.isEmpty() && ahead.peekFirst().dstEnd() <= p.dstOffset()) ahead.pollFirst();
        if (!ahead.isEmpty() && ahead.peekFirst().dstOffset() <= p.dstOffset()) continue; // inside a run found
        MatchExtender.Match m = extender.extend(dst, src, p.dstOffset(), p.srcOffset(), PlanKeys.intOf(c.value()), !shared);
        if (m == null) continue;
        out.add(p, m, dst, shared ? runFlags : flags & ~PlanKeys.SHARED);
        ahead.addFirst(m);
      }
      out.flush();
    }
  }

  /**
   * The runs found for one (dst, src, delta), held until its last anchor: whether it is shared in part (an unshared
   * first anchor, a shared one after it) is known only then, and such a run's matches are cut by the files' extent
   * maps before they are recorded.
   */
  private static final class RunFound {
    private record Held(PlanKeys.Pair p, MatchExtender.Match m, FileRecord dst, int flags) {}

    private final Spill found;
    private final MatchExtender extender;
    private final List<Held> held = new java.util.ArrayList<>();
    boolean mixed;

    RunFound(Spill found, MatchExtender extender) {
      this.found = found;
      this.extender = extender;
    }

    void add(PlanKeys.Pair p, MatchExtender.Match m, FileRecord dst, int flags) {
      held.add(new Held(p, m, dst, flags));
    }

    /** Records the run's matches (the extender still holds its two files), then starts the next run. */
    void flush() throws java.io.IOException {
      for (Held h : held) emit(found, h.p(), h.m(), h.dst(), h.flags(), mixed ? extender : null);
      held.clear();
      mixed = false;
    }
  }

  /** Records a run found; given {@code byLayout}, cut into its parts shared already and not. */
  private static void emit(Spill found, PlanKeys.Pair p, MatchExtender.Match m, FileRecord dst, int flags,
                           MatchExtender byLayout) throws java.io.IOException {
    if (m.dstOffset() == 0 && m.length() == dst.size()) flags |= PlanKeys.WHOLE_FILE;
    if (byLayout == null) {
      found.put(PlanKeys.found(p.dst(), m.dstOffset(), flags, p.src(), m.srcOffset()), PlanKeys.longValue(m.length()));
      return;
    }
    List<SameBlocks.Part> parts = byLayout.byLayout(m);
    for (SameBlocks.Part part : parts) {
      int f = part.shared() ? flags | PlanKeys.SHARED
          : parts.size() == 1 ? flags : (flags & ~PlanKeys.WHOLE_FILE) | PlanKeys.JOINED;
      found.put(PlanKeys.found(p.dst(), m.dstOffset() + part.offset(), f, p.src(), m.srcOffset() + part.offset()),
          PlanKeys.longValue(part.length()));
    }
  }

  /**
   * Takes the runs in order of place in each destination: a run overlapping the one before it keeps only what
   * follows it; runs shorter than the minimum match (that are not whole files) are left alone; the rest become the
   * plan's ranges, but those the kernel said SAME for before ({@link BlockIndex#dedupedBefore}). Shared runs (the
   * destination already uses the source's blocks) are counted as already shared, for
   * the bytes no run before them covers; they never cut a run to be shared: a reflinked copy of a file may share
   * its blocks with that file and still need them moved onto a third.
   */
  void select(Spill found, Spill ranges, PlanTotals.Tally totals) throws IndexException {
    try (Spill.Cursor c = found.cursor()) {
      FileId dst = null;
      long end = 0, counted = 0;
      for (; c.valid(); c.next()) {
        PlanKeys.Found f = PlanKeys.found(c.key(), c.value());
        if (!f.dst().equals(dst)) {
          dst = f.dst();
          end = counted = 0;
        }
        if (f.has(PlanKeys.SHARED)) {
          long from = Math.max(counted, f.dstOffset());
          totals.alreadySharedBytes += Math.max(0, f.dstOffset() + f.length() - from);
          counted = Math.max(counted, f.dstOffset() + f.length());
          continue;
        }
        long cut = Math.max(0, end - f.dstOffset());
        if (cut >= f.length()) continue;
        long offset = f.dstOffset() + cut, srcOffset = f.srcOffset() + cut, length = f.length() - cut;
        end = offset + length;
        counted = Math.max(counted, end);
        if (length < minMatch && !(cut == 0 && (f.has(PlanKeys.WHOLE_FILE) || f.has(PlanKeys.JOINED)))) continue;
        if (index.dedupedBefore(f.src(), srcOffset, dst, offset, length)) {
          // The kernel said SAME for this range before and neither file changed, though FIEMAP cannot show it
          // (compressed or inline data): shared.
          totals.alreadySharedBytes += length;
          continue;
        }
        ranges.put(PlanKeys.range(new DupeRange(f.src(), srcOffset, dst, offset, length)), new byte[0]);
        if (byDest != null) byDest.put(PlanKeys.destRange(dst, offset), PlanKeys.destValue(length, f.src(), srcOffset));
        totals.ranges++;
        totals.duplicateBytes += length;
        if (!f.has(PlanKeys.SHADOW)) totals.estimatedFreedBytes += DupeRange.blockEnd(offset + length) - offset;
      }
    }
  }
}
