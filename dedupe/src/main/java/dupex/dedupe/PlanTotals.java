package dupex.dedupe;

/** What a plan would do: duplicate groups, ranges, logical bytes to share, and the bytes that should be freed. */
public final class PlanTotals {
  long groups;
  long ranges;
  long dupeBytes;
  long estimatedFreedBytes;
  long alreadySharedBytes;

  public long groups() {
    return groups;
  }

  public long ranges() {
    return ranges;
  }

  /** Logical bytes of destination ranges that would be shared with a source. */
  public long dupeBytes() {
    return dupeBytes;
  }

  /** Bytes that would be freed: each distinct physical block leaving all its references once (not btrfs bookending). */
  public long estimatedFreedBytes() {
    return estimatedFreedBytes;
  }

  /** Duplicate bytes already on the same physical blocks: nothing left to gain. */
  public long alreadySharedBytes() {
    return alreadySharedBytes;
  }
}
