package dupex.dedupe;

import java.util.Map;
import java.util.TreeMap;

/** Adds up what a dedupe pass does, as it goes; {@link #totals} makes the record. */
final class DedupeCounters {
  long jobs;
  /** FIDEDUPERANGE requests issued (each is one or more ioctls of at most 120 destinations). */
  long requests;
  long bytesDeduped;
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

  DedupeTotals totals(long startNanos, long bytesFreed) {
    double seconds = Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0;
    return new DedupeTotals(seconds, jobs, requests, bytesDeduped, bytesFreed, bytesAlreadyShared, bytesRewritten,
        extentsRewritten, rewritesSkippedNoSpace, extentsPinned, bytesPinned, rangesDiffered, rangesFailed, filesSkipped,
        new TreeMap<>(failuresByErrno), stoppedByDeadline);
  }
}
