package dupex.dedupe;

import java.util.Map;
import java.util.TreeMap;

/** Adds up what a dedupe pass does, as it goes; {@link #totals} makes the record. */
final class DedupeCounters {
  long jobs;
  /** FIDEDUPERANGE requests issued (each is one or more ioctls of at most 120 destinations). */
  long requests;
  long bytesDeduped;
  /** Of bytesDeduped, those of whole files shared while the scan went on; and those files. */
  long bytesDedupedDuringScan;
  long filesDedupedDuringScan;
  long bytesAlreadyShared;
  long bytesRewritten;
  long extentsRewritten;
  long rewritesSkippedNoSpace;
  long extentsPinned;
  long bytesPinned;
  long rangesDiffered;
  long rangesFailed;
  long filesSkipped;
  boolean stoppedByDeadline;
  final Map<String, Long> failuresByErrno = new TreeMap<>();

  /** The totals, given the time spent sharing and the free space gained. */
  DedupeTotals totals(long busyNanos, long bytesFreed) {
    double seconds = Math.round(busyNanos / 1e6) / 1000.0;
    return new DedupeTotals(seconds, jobs, requests, bytesDeduped, bytesDedupedDuringScan, filesDedupedDuringScan, bytesFreed, bytesAlreadyShared, bytesRewritten,
        extentsRewritten, rewritesSkippedNoSpace, extentsPinned, bytesPinned, rangesDiffered, rangesFailed, filesSkipped,
        new TreeMap<>(failuresByErrno), stoppedByDeadline);
  }
}
