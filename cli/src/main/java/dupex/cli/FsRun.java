package dupex.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dupex.dedupe.DedupeTotals;
import dupex.dedupe.PlanTotals;
import dupex.dedupe.RunResult;
import dupex.scanner.ScanTotals;
import dupex.linux.BytePath;
import java.nio.file.Path;
import java.util.List;

/**
 * What a command did on one filesystem: which filesystem, roots and index, and the run's result; or, for a
 * filesystem whose run failed (its index locked or corrupt, it cannot dedupe, ...), the exit code and message.
 */
record FsRun(String filesystem, String type, List<BytePath> roots, Path index, @JsonUnwrapped RunResult result,
             Failure failure, AuditTrail.Changes changes) {
  /** Why a filesystem's run ended early: the exit code it gives the command, and the message on stderr. */
  record Failure(int exitCode, String message) {}

  FsRun(String filesystem, String type, List<BytePath> roots, Path index, RunResult result) {
    this(filesystem, type, roots, index, result, null, null);
  }

  FsRun(String filesystem, String type, List<BytePath> roots, Path index, RunResult result, Failure failure) {
    this(filesystem, type, roots, index, result, failure, null);
  }

  /** The same run without its list of changes (which can be long: it is streamed into the JSON summary only). */
  FsRun withoutChanges() {
    return changes == null ? this : new FsRun(filesystem, type, roots, index, result, failure, null);
  }
  ScanTotals scan() {
    return result == null ? null : result.scan();
  }

  PlanTotals plan() {
    return result == null ? null : result.plan();
  }

  DedupeTotals dedupe() {
    return result == null ? null : result.dedupe();
  }

  long failures() {
    return result == null ? 1 : result.failures();
  }

  /** One line for logs and cron mail. */
  String summaryLine() {
    StringBuilder b = new StringBuilder();
    ScanTotals scan = scan();
    b.append(roots.size() == 1 ? roots.get(0).toString() : roots.toString())
        .append(" (").append(type).append("): scanned ").append(scan.filesSeen()).append(" files, ")
        .append(Units.bytes(scan.bytesSeen())).append(" (read ").append(Units.bytes(scan.bytesRead()))
        .append(", ").append(scan.filesUnchanged()).append(" unchanged)");
    PlanTotals plan = plan();
    DedupeTotals dedupe = dedupe();
    if (plan != null && dedupe == null) {
      b.append("; ").append(Units.bytes(plan.duplicateBytes())).append(" duplicate in ").append(plan.ranges())
          .append(" ranges, about ").append(Units.bytes(plan.estimatedFreedBytes())).append(" could be freed");
    }
    if (dedupe != null) {
      b.append("; deduped ").append(Units.bytes(dedupe.bytesDeduped())).append(" in ").append(dedupe.jobs())
          .append(" jobs (").append(dedupe.requests()).append(" requests");
      if (dedupe.filesDedupedDuringScan() > 0) {
        b.append(", ").append(dedupe.filesDedupedDuringScan()).append(" whole-file copies during the scan");
      }
      b.append("); freed ").append(Units.bytes(dedupe.bytesFreed()));
      if (dedupe.bytesRewritten() > 0) b.append(" (rewrote ").append(Units.bytes(dedupe.bytesRewritten())).append(" to free whole extents)");
      if (dedupe.bytesPinned() > 0) b.append("; ").append(Units.bytes(dedupe.bytesPinned())).append(" stays pinned by files outside the run");
    }
    if (result.stoppedByDeadline()) {
      b.append(plan == null ? "; stopped at --max-runtime while scanning (the next run carries on)" : "; stopped at --max-runtime");
    }
    long failed = result.failures();
    if (failed > 0) b.append("; ").append(failed).append(failed == 1 ? " failure" : " failures");
    return b.toString();
  }
}
