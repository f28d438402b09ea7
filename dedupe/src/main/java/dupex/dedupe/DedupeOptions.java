package dupex.dedupe;

import java.time.Duration;

/**
 * How to dedupe: bytes per kernel call (short calls keep file locks short), the run's deadline after which no
 * new scan read, plan step or call starts, how often to retry a destination busy with a btrfs send (EAGAIN), on btrfs when to copy the
 * remainder of a mostly-shared extent so that the extent is freed, the shortest run of equal blocks worth sharing,
 * and whether whole-file copies are shared as soon as the scan finds them ({@link WholeFileSharer}) or by the plan.
 */
public record DedupeOptions(long roundLength, Deadline deadline, int busyRetries, Duration busyBackoff,
                            RewritePolicy rewrites, long minMatch, boolean shareDuringScan) {
  /** 16-32 MiB rounds: short locks, and a range small enough to read into the page cache just before its call. */
  public static final long DEFAULT_ROUND = 16L << 20;
  /**
   * Two blocks: a lone duplicate 4 KiB block (a database's template page) would cost an extent of its own in each
   * file for 4 KiB; whole files are shared whatever their size.
   */
  public static final long DEFAULT_MIN_MATCH = 8192;

  public DedupeOptions(long roundLength, Deadline deadline, int busyRetries, Duration busyBackoff, RewritePolicy rewrites) {
    this(roundLength, deadline, busyRetries, busyBackoff, rewrites, DEFAULT_MIN_MATCH, true);
  }

  public DedupeOptions {
    if (roundLength < 4096 || roundLength > (1L << 30)) throw new IllegalArgumentException("round must be from 4 KiB to 1 GiB");
    if (deadline == null) throw new IllegalArgumentException("a deadline is needed (Deadline.NONE for none)");
    if (busyRetries < 0) throw new IllegalArgumentException("busyRetries must not be negative");
    if (rewrites == null) throw new IllegalArgumentException("a rewrite policy is needed");
    if (minMatch < 4096 || minMatch % 4096 != 0) throw new IllegalArgumentException("the minimum match must be a multiple of 4 KiB");
  }

  public static DedupeOptions defaults() {
    return new DedupeOptions(DEFAULT_ROUND, Deadline.NONE, 3, Duration.ofSeconds(2), RewritePolicy.DEFAULT);
  }

  /** The whole run's deadline (--max-runtime): shared by every filesystem of one command. */
  public DedupeOptions withDeadline(Deadline d) {
    return new DedupeOptions(roundLength, d, busyRetries, busyBackoff, rewrites, minMatch, shareDuringScan);
  }

  public DedupeOptions withRewrites(RewritePolicy policy) {
    return new DedupeOptions(roundLength, deadline, busyRetries, busyBackoff, policy, minMatch, shareDuringScan);
  }

  public DedupeOptions withMinMatch(long bytes) {
    return new DedupeOptions(roundLength, deadline, busyRetries, busyBackoff, rewrites, bytes, shareDuringScan);
  }

  /** Whole-file copies shared as the scan finds them (true, the default) or only by the plan after it. */
  public DedupeOptions withShareDuringScan(boolean share) {
    return new DedupeOptions(roundLength, deadline, busyRetries, busyBackoff, rewrites, minMatch, share);
  }
}
