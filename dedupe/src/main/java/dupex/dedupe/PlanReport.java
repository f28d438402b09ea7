package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.Spill;
import dupex.linux.BytePath;
import dupex.scanner.FileId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A plan for people: what the duplicates are (whole files or parts), its largest duplicate ranges with their paths,
 * and the directories holding most duplicate bytes, each counted with its subdirectories as du does.
 */
final class PlanReport {
  /** Records looked up last, so a file met in many ranges is read from the index once. */
  private static final int RECORD_CACHE = 10_000;

  private final BlockIndex index;
  private final Map<FileId, FileRecord> records = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<FileId, FileRecord> e) {
      return size() > RECORD_CACHE;
    }
  };
  final List<RunResult.RangeReport> largest = new ArrayList<>();
  final List<RunResult.DirBytes> directories = new ArrayList<>();
  List<RunResult.DirBytes> tree;
  RunResult.Breakdown breakdown;

  private PlanReport(BlockIndex index) {
    this.index = index;
  }

  /** Per directory: bytes under it, bytes directly in it, files under it. */
  private static final class Dir {
    long subtree, own, files;
  }

  /**
   * The {@code top} largest ranges and directories (ordered by {@code order}), and when {@code treeTop > 0} the
   * {@code treeTop} directories with most bytes under them (closed under parents: a treemap's nodes).
   */
  static PlanReport of(BlockIndex index, DedupePlan plan, int top, Pipeline.DirectoryOrder order, int treeTop, List<BytePath> roots,
                       BooleanSupplier cancelled) throws IOException {
    PlanReport report = new PlanReport(index);
    Map<BytePath, Dir> dirs = new HashMap<>();
    long[] counts = new long[5]; // whole sets, whole copies, whole bytes, partial ranges, partial bytes
    // the files holding duplicates, each counted once: as many as the tree has, so spilled, not kept in a set
    try (Spill files = index.openSpill("report-files")) {
      forEachJob(plan, files, dirs, counts, report, top, roots, cancelled);
      report.breakdown = new RunResult.Breakdown(files.count(), counts[0], counts[1], counts[2], counts[3], counts[4]);
    }
    sortDirectories(report, dirs, top, order, treeTop);
    return report;
  }

  /** Counts the plan's jobs into {@code counts} and {@code dirs}, and keeps the {@code top} first as the largest. */
  private static void forEachJob(DedupePlan plan, Spill files, Map<BytePath, Dir> dirs, long[] counts, PlanReport report,
                                 int top, List<BytePath> roots, BooleanSupplier cancelled) throws IOException {
    plan.forEachJob(job -> {
      FileRecord src = report.record(job.src());
      if (report.largest.size() < top) {
        List<RunResult.Place> dests = new ArrayList<>();
        for (DedupeJob.Dest d : job.dests()) dests.add(new RunResult.Place(path(report.record(d.file())), d.offset()));
        report.largest.add(new RunResult.RangeReport(job.length(), new RunResult.Place(path(src), job.srcOffset()), dests));
      }
      boolean wholeSet = false;
      for (DedupeJob.Dest d : job.dests()) {
        FileRecord rec = report.record(d.file());
        boolean whole = src != null && rec != null && job.srcOffset() == 0 && d.offset() == 0 && job.length() == rec.size()
            && job.length() == src.size();
        if (whole) {
          wholeSet = true;
          counts[1]++;
          counts[2] += job.length();
        } else {
          counts[3]++;
          counts[4] += job.length();
        }
        if (rec == null) continue;
        boolean first = files.add(PlanKeys.file(d.file()));
        BytePath p = rec.path(), parent = p.parent();
        Dir own = dirs.computeIfAbsent(parent, k -> new Dir());
        own.own += job.length();
        for (BytePath a = parent; a != null && under(a, roots); a = a.parent()) {
          Dir dir = a == parent ? own : dirs.computeIfAbsent(a, k -> new Dir());
          dir.subtree += job.length();
          if (first) dir.files++;
          if (a.equals(BytePath.ROOT)) break;
        }
      }
      if (wholeSet) counts[0]++;
      return !cancelled.getAsBoolean();
    });
  }

  /** The largest directories by {@code order}, and the treemap's nodes. */
  private static void sortDirectories(PlanReport report, Map<BytePath, Dir> dirs, int top, Pipeline.DirectoryOrder order, int treeTop) {
    Comparator<Map.Entry<BytePath, Dir>> bySubtree = Comparator.<Map.Entry<BytePath, Dir>>comparingLong(e -> e.getValue().subtree).reversed()
        .thenComparingInt(e -> e.getKey().bytes().length).thenComparing(Map.Entry::getKey);
    Comparator<Map.Entry<BytePath, Dir>> byOwn = Comparator.<Map.Entry<BytePath, Dir>>comparingLong(e -> e.getValue().own).reversed()
        .thenComparing(Map.Entry::getKey);
    dirs.entrySet().stream().filter(e -> order == Pipeline.DirectoryOrder.SUBTREE ? e.getValue().subtree > 0 : e.getValue().own > 0)
        .sorted(order == Pipeline.DirectoryOrder.SUBTREE ? bySubtree : byOwn).limit(top)
        .forEach(e -> report.directories.add(bytes(e.getKey(), e.getValue())));
    if (treeTop > 0) {
      report.tree = new ArrayList<>();
      dirs.entrySet().stream().filter(e -> e.getValue().subtree > 0).sorted(bySubtree).limit(treeTop)
          .forEach(e -> report.tree.add(bytes(e.getKey(), e.getValue())));
    }
  }

  private static RunResult.DirBytes bytes(BytePath p, Dir d) {
    return new RunResult.DirBytes(p, d.subtree, d.own, d.files);
  }

  /** Whether a directory is at or below one of the run's roots (directories above them are not the run's). */
  private static boolean under(BytePath dir, List<BytePath> roots) {
    for (BytePath r : roots) if (dir.startsWith(r)) return true;
    return false;
  }

  private static BytePath path(FileRecord rec) {
    return rec == null ? null : rec.path();
  }

  private FileRecord record(FileId id) throws IndexException {
    FileRecord r = records.get(id);
    if (r == null) {
      r = index.get(id).orElse(null);
      if (r != null) records.put(id, r);
    }
    return r;
  }
}
