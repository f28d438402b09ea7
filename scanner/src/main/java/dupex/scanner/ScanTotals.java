package dupex.scanner;

import java.util.Map;

/**
 * What one scan did: whether every root was walked to the end, how long it took, files seen, hashed, unchanged
 * (kept their hashes) and removed from the index, bytes seen, read and reused (hashes taken from a block at the
 * same physical address: reflinks, snapshots), and files skipped by reason.
 */
public record ScanTotals(boolean complete, double seconds, long filesSeen, long filesHashed, long filesUnchanged,
                         long filesRemoved, long bytesSeen, long bytesRead, long bytesReused,
                         Map<SkipReason, Long> skipped) {
  public ScanTotals {
    Map<SkipReason, Long> copy = new java.util.EnumMap<>(SkipReason.class);
    copy.putAll(skipped);
    skipped = java.util.Collections.unmodifiableMap(copy);
  }

  /** Files skipped for a reason that makes the run exit 1. */
  public long failures() {
    return skipped.entrySet().stream().filter(e -> e.getKey().failure()).mapToLong(Map.Entry::getValue).sum();
  }
}
