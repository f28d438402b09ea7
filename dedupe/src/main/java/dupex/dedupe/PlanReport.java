package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.scanner.FileId;
import java.io.IOException;
import dupex.linux.BytePath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** A plan for people: its largest duplicate ranges with their paths, and the directories holding most duplicate bytes. */
final class PlanReport {
  /** Paths looked up last, so a file met in many ranges is read from the index once. */
  private static final int PATH_CACHE = 10_000;

  private final BlockIndex index;
  private final Map<FileId, BytePath> paths = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<FileId, BytePath> e) {
      return size() > PATH_CACHE;
    }
  };
  final List<RunResult.RangeReport> largest = new ArrayList<>();
  final List<RunResult.DirBytes> directories = new ArrayList<>();

  private PlanReport(BlockIndex index) {
    this.index = index;
  }

  /** The {@code top} largest ranges, and the {@code top} directories by duplicate bytes of the copies in them. */
  static PlanReport of(BlockIndex index, DedupePlan plan, int top, BooleanSupplier cancelled) throws IOException {
    PlanReport report = new PlanReport(index);
    Map<BytePath, Long> perDir = new HashMap<>();
    plan.forEachJob(job -> {
      if (report.largest.size() < top) {
        List<RunResult.Place> dests = new ArrayList<>();
        for (DedupeJob.Dest d : job.dests()) dests.add(new RunResult.Place(report.path(d.file()), d.offset()));
        report.largest.add(new RunResult.RangeReport(job.length(), new RunResult.Place(report.path(job.src()), job.srcOffset()), dests));
      }
      for (DedupeJob.Dest d : job.dests()) {
        BytePath p = report.path(d.file());
        BytePath parent = p == null ? null : p.parent();
        if (parent != null) perDir.merge(parent, job.length(), Long::sum);
      }
      return !cancelled.getAsBoolean();
    });
    perDir.entrySet().stream()
        .sorted(Map.Entry.<BytePath, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(top).forEach(e -> report.directories.add(new RunResult.DirBytes(e.getKey(), e.getValue())));
    return report;
  }

  private BytePath path(FileId id) throws IndexException {
    BytePath p = paths.get(id);
    if (p == null) {
      p = index.get(id).map(FileRecord::path).orElse(null);
      if (p != null) paths.put(id, p);
    }
    return p;
  }
}
