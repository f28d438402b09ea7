package dupex.dedupe;

import dupex.scanner.ScanTotals;
import dupex.linux.BytePath;
import java.util.List;

/**
 * What a run did on one filesystem: its scan; its plan (null for a scan only); its dedupe pass (null unless it
 * deduped); for a report, what the duplicates are (whole files or parts), the largest duplicate ranges, the
 * directories holding most duplicate bytes and, when asked for, the directory tree for a treemap (null
 * otherwise); and whether --max-runtime cut it short (the next run carries on where it stopped).
 */
public record RunResult(ScanTotals scan, PlanTotals plan, DedupeTotals dedupe, Breakdown breakdown,
                        List<RangeReport> largest, List<DirBytes> directories, List<DirBytes> tree,
                        boolean stoppedByDeadline) {
  /** A result with no report. */
  public RunResult(ScanTotals scan, PlanTotals plan, DedupeTotals dedupe, boolean stoppedByDeadline) {
    this(scan, plan, dedupe, null, null, null, null, stoppedByDeadline);
  }

  /** A place in a file. */
  public record Place(BytePath path, long offset) {}

  /** A duplicate range: its length, its source and its copies. */
  public record RangeReport(long length, Place source, List<Place> destinations) {}

  /**
   * Duplicate bytes under a directory, its subdirectories included ({@code duplicateBytes}, as du counts), in the
   * files directly in it ({@code ownBytes}), and the files holding them ({@code files}). The bytes are the copies'
   * (each duplicate range counted at its destinations, not its source).
   */
  public record DirBytes(BytePath path, long duplicateBytes, long ownBytes, long files) {}

  /**
   * What the duplicates are: files with duplicate data in them (copies, not sources); whole-file duplicates, as
   * sets (one file and its identical copies), their copies and bytes; and partial duplicates, as ranges and bytes.
   */
  public record Breakdown(long duplicateFiles, long wholeFileSets, long wholeFileCopies, long wholeFileBytes,
                          long partialRanges, long partialBytes) {}

  /** Skipped files and refused ranges that make the run exit 1. */
  public long failures() {
    return scan.failures() + (plan == null ? 0 : plan.filesSkipped()) + (dedupe == null ? 0 : dedupe.failures());
  }
}
