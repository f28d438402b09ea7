package dupex.scanner;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What one scan does, counted live from several threads (progress reads it); {@link #totals} makes the record. */
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
  /** Unchanged files whose extent map was read (only when new files point into extents of unknown content). */
  public final AtomicLong layoutsRead = new AtomicLong();
  /** The --exclude globs that matched something. */
  public final java.util.Set<String> excludesMatched = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** The btrfs subvolumes the walk entered (what dedupe needs to name the files that reference an extent). */
  public final Subvolumes subvolumes = new Subvolumes();
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

  /** A record of the counts now. */
  public ScanTotals totals(boolean complete, long startNanos) {
    double seconds = Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0;
    return new ScanTotals(complete, seconds, filesSeen.get(), filesHashed.get(), filesUnchanged.get(), filesRemoved.get(),
        bytesSeen.get(), bytesRead.get(), bytesReused.get(), skippedByReason());
  }

  public Map<SkipReason, Long> skippedByReason() {
    Map<SkipReason, Long> m = new EnumMap<>(SkipReason.class);
    for (SkipReason r : SkipReason.values()) if (skipped(r) > 0) m.put(r, skipped(r));
    return m;
  }
}
