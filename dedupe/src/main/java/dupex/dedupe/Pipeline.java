package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.IndexUpdater;
import dupex.linux.FsStat;
import dupex.scanner.ScanCounters;
import dupex.scanner.ScanOptions;
import dupex.scanner.ScanTotals;
import java.io.IOException;
import dupex.linux.Root;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One filesystem's run with its own index: scan the roots into it (a dedupe on XFS shares whole-file copies as the
 * scan finds them), plan, then report or dedupe. The command line and the tests call this one entry point.
 */
public final class Pipeline {
  /** What a run goes on to after its scan. */
  public enum Mode {
    /** Bring the index up to date only. */
    SCAN,
    /** Plan, and describe the plan; touch nothing. */
    REPORT,
    /** Plan, and share the duplicate ranges. */
    DEDUPE
  }

  /** How the directories of a report are chosen and ordered. */
  public enum DirectoryOrder {
    /** By duplicate bytes under the directory, subdirectories included (as du counts). */
    SUBTREE,
    /** By duplicate bytes in the files directly in the directory (where the copies are). */
    OWN
  }

  /**
   * What a report lists: the {@code top} largest ranges and directories (in {@code order}), and when
   * {@code treeTop > 0} that many directories of the tree, for a treemap.
   */
  public record ReportOptions(int top, DirectoryOrder order, int treeTop) {
    public ReportOptions {
      if (top < 0) throw new IllegalArgumentException("--top must not be negative");
    }
  }

  /**
   * A run's input: its roots (open, all on the filesystem {@code fs} describes; the caller closes them), what to do, how
   * to scan and dedupe, and how many ranges and directories a report lists.
   */
  public record Request(List<Root> roots, FsStat fs, Mode mode, ScanOptions scan, DedupeOptions dedupe, ReportOptions report) {
    public Request {
      roots = List.copyOf(roots);
      if (roots.isEmpty()) throw new IllegalArgumentException("a run needs a root");
    }

    /** A request whose report lists {@code top} ranges and directories by their subtrees, and no tree. */
    public Request(List<Root> roots, FsStat fs, Mode mode, ScanOptions scan, DedupeOptions dedupe, int top) {
      this(roots, fs, mode, scan, dedupe, new ReportOptions(top, DirectoryOrder.SUBTREE, 0));
    }
  }

  private Pipeline() {}

  /**
   * Runs the request on an open index. Stops early (returning what was done) when {@code cancelled} turns true or
   * the request's deadline passes: a scan cut short is not planned (the next run carries on where it stopped), a
   * plan cut short is a valid smaller plan, and dedupe starts no new call.
   *
   * @throws dupex.linux.DedupeNotSupportedException the filesystem cannot dedupe
   * @throws dupex.index.IndexException the index cannot be read or written
   * @throws dupex.linux.NativeIOException a root cannot be read
   */
  public static RunResult run(BlockIndex index, Request request, RunListener listener, BooleanSupplier cancelled)
      throws IOException {
    Deadline deadline = request.dedupe().deadline();
    BooleanSupplier stop = () -> cancelled.getAsBoolean() || deadline.passed();
    ScanCounters live = new ScanCounters();
    listener.scanning(request.roots().stream().map(Root::path).toList(), live);
    // On XFS a dedupe shares whole-file copies as the scan finds them; the rest of its work waits for the plan. Not
    // on btrfs: there its calls slowed the scan's readers by more than they saved (--size 4 bench corpus, 2 cores: scan
    // 3.4-5.2 -> 4.7-6.2 s, whole run 6.3-8.3 -> 7.4-9.8 s; on XFS the run went 5.1-5.8 -> 4.5-5.8 s, median -1 s).
    RangeDeduper deduper = request.mode() == Mode.DEDUPE
        ? new RangeDeduper(index, request.dedupe(), listener, request.roots(), live.subvolumes) : null;
    WholeFileSharer sharer = deduper != null && request.dedupe().shareDuringScan() && !request.fs().isBtrfs()
        ? new WholeFileSharer(index, deduper, stop) : null;
    ScanTotals scan;
    try {
      IndexUpdater updater = new IndexUpdater(index, request.scan(), listener, live);
      if (sharer != null) updater.onHashed(sharer);
      try {
        scan = updater.scan(request.roots(), stop);
      } finally {
        if (sharer != null) sharer.finish();
      }
    } finally {
      listener.phaseEnded();
    }
    if (scan.complete()) {
      for (String glob : request.scan().excludes()) {
        if (!live.excludesMatched.contains(glob)) {
          listener.warning("--exclude '" + glob + "' matched nothing under " + request.roots().stream().map(r -> r.path().toString()).toList());
        }
      }
    }
    if (request.mode() == Mode.SCAN || !scan.complete() || stop.getAsBoolean()) {
      // What was shared during a scan cut short is reported (and its layouts recorded) all the same.
      DedupeTotals shared = deduper != null && deduper.begun() ? deduper.finish(cancelled) : null;
      return new RunResult(scan, null, shared, !scan.complete() && deadline.passed());
    }
    listener.planning();
    long minMatch = request.dedupe().minMatch();
    DedupePlanner planner = request.fs().isBtrfs()
        ? DedupePlanner.btrfs(index, request.dedupe().rewrites(), request.roots(), live.subvolumes, listener, minMatch)
        : DedupePlanner.perBlock(index, request.roots(), listener, minMatch);
    try (DedupePlan plan = planner.plan(stop)) {
      listener.phaseEnded();
      boolean planCut = deadline.passed();
      if (request.mode() == Mode.REPORT) {
        ReportOptions o = request.report();
        List<dupex.linux.BytePath> tops = request.roots().stream().map(r -> r.isFile() ? r.path().parent() : r.path()).toList();
        PlanReport report = PlanReport.of(index, plan, o.top(), o.order(), o.treeTop(), tops, cancelled);
        return new RunResult(scan, plan.totals(), null, report.breakdown, List.copyOf(report.largest),
            List.copyOf(report.directories), report.tree == null ? null : List.copyOf(report.tree), planCut);
      }
      listener.deduping(plan.totals());
      try {
        DedupeTotals dedupe = deduper.run(plan, cancelled);
        return new RunResult(scan, plan.totals(), dedupe, planCut || dedupe.stoppedByDeadline());
      } finally {
        listener.phaseEnded();
      }
    }
  }
}
