package dupex.scanner;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What one scan did, counted from several threads; the CLI shows it and tests assert on it. */
public final class ScanCounters {
  public final AtomicLong filesSeen = new AtomicLong();
  public final AtomicLong filesHashed = new AtomicLong();
  public final AtomicLong filesUnchanged = new AtomicLong();
  public final AtomicLong filesRemoved = new AtomicLong();
  public final AtomicLong bytesSeen = new AtomicLong();
  public final AtomicLong bytesRead = new AtomicLong();
  /** Bytes whose hash came from a block at the same physical address hashed before (reflinks, snapshots). */
  public final AtomicLong bytesReused = new AtomicLong();
  public final AtomicLong blocksHashed = new AtomicLong();
  private final AtomicLongArray skipped = new AtomicLongArray(SkipReason.values().length);

  public void skip(SkipReason reason) {
    skipped.incrementAndGet(reason.ordinal());
  }

  public long skipped(SkipReason reason) {
    return skipped.get(reason.ordinal());
  }

  public long failures() {
    long n = 0;
    for (SkipReason r : SkipReason.values()) if (r.failure()) n += skipped(r);
    return n;
  }

  public Map<SkipReason, Long> skippedByReason() {
    Map<SkipReason, Long> m = new EnumMap<>(SkipReason.class);
    for (SkipReason r : SkipReason.values()) if (skipped(r) > 0) m.put(r, skipped(r));
    return m;
  }
}
