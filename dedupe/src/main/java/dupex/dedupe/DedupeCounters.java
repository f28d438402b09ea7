package dupex.dedupe;

import java.util.Map;
import java.util.TreeMap;

/** What one dedupe pass did; logical bytes shared and bytes freed are reported side by side, never confused. */
public final class DedupeCounters {
  public long jobs;
  /** FIDEDUPERANGE requests issued (each is one or more ioctls of at most 120 destinations). */
  public long requests;
  public long bytesDeduped;
  /** Bytes skipped without a call because both ranges already sat on the same physical blocks. */
  public long bytesAlreadyShared;
  /** btrfs: bytes copied into new extents so that mostly-shared old extents are freed (extra writes). */
  public long bytesRewritten;
  public long extentsRewritten;
  /** btrfs: extents left partly shared because the disk was too full for the copy. */
  public long rewritesSkippedNoSpace;
  public long rangesDiffered;
  public long rangesFailed;
  public long filesSkipped;
  /** Free bytes gained on the filesystem, measured with statfs after syncfs; -1 until measured. */
  public long bytesFreed = -1;
  public boolean stoppedByDeadline;
  public boolean cancelled;
  public final Map<String, Long> failuresByErrno = new TreeMap<>();

  public long failures() {
    return rangesFailed + filesSkipped;
  }
}
