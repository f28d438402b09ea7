package dupex.dedupe;

import java.util.Map;

/**
 * What one dedupe pass did. {@code seconds} is the time spent sharing (whole files during the scan, the dedupe phase,
 * btrfs rewrites). {@code bytesDeduped} is logical bytes the kernel confirmed as shared, of which
 * {@code bytesDedupedDuringScan} in {@code filesDedupedDuringScan} whole-file copies shared while the scan went on
 * (the plan then counts them as already shared); {@code bytesFreed}
 * is the filesystem's free-space change measured with statfs after syncfs. {@code bytesAlreadyShared} were skipped
 * without a call (already on the same physical blocks); on btrfs {@code bytesRewritten} were copied into new
 * extents so that mostly-shared old extents are freed, {@code rewritesSkippedNoSpace} extents stayed partly
 * shared for want of free space, and {@code extentsPinned} extents ({@code bytesPinned} disk bytes) stayed because a
 * file outside the run references them.
 */
public record DedupeTotals(double seconds, long jobs, long requests, long bytesDeduped, long bytesDedupedDuringScan,
                           long filesDedupedDuringScan, long bytesFreed,
                           long bytesAlreadyShared, long bytesRewritten, long extentsRewritten,
                           long rewritesSkippedNoSpace, long extentsPinned, long bytesPinned, long rangesDiffered, long rangesFailed, long filesSkipped,
                           Map<String, Long> failuresByErrno, boolean stoppedByDeadline) {
  public DedupeTotals {
    failuresByErrno = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(failuresByErrno));
  }

  /** Ranges refused and files skipped for a reason that makes the run exit 1. */
  public long failures() {
    return rangesFailed + filesSkipped;
  }
}
