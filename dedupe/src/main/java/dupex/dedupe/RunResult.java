package dupex.dedupe;

import dupex.scanner.ScanTotals;
import dupex.linux.BytePath;
import java.util.List;

/**
 * What a run did on one filesystem: its scan; its plan (null for a scan only); its dedupe pass (null unless it
 * deduped); and for a report, the largest duplicate ranges and the directories holding most duplicate bytes
 * (null otherwise); and whether --max-runtime cut it short (the next run carries on where it stopped).
 */
public record RunResult(ScanTotals scan, PlanTotals plan, DedupeTotals dedupe, List<RangeReport> largest,
                        List<DirBytes> directories, boolean stoppedByDeadline) {
  /** A place in a file. */
  public record Place(BytePath path, long offset) {}

  /** A duplicate range: its length, its source and its copies. */
  public record RangeReport(long length, Place source, List<Place> destinations) {}

  /** Duplicate bytes in the files of one directory. */
  public record DirBytes(BytePath path, long duplicateBytes) {}

  /** Skipped files and refused ranges that make the run exit 1. */
  public long failures() {
    return scan.failures() + (dedupe == null ? 0 : dedupe.failures());
  }
}
