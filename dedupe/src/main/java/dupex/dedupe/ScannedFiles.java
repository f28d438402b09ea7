package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.scanner.FileId;
import dupex.scanner.Skip;
import dupex.scanner.SkipReason;
import java.util.HashSet;
import java.util.Set;

/**
 * Opens the files of a plan for dedupe, each checked to be the file that was scanned, and remembers the ones
 * that were not: a file is reported once, one that changed is marked stale so the next scan hashes it again, and
 * one that is gone is forgotten. Files may be opened from several threads.
 */
final class ScannedFiles {
  /** A scanned file, open and unchanged. */
  record Open(FileRecord record, OpenFile file) implements AutoCloseable {
    FileId id() {
      return record.id();
    }

    @Override
    public void close() throws dupex.linux.NativeIOException {
      file.close();
    }
  }

  private final BlockIndex index;
  private final Kernel kernel;
  private final DedupeListener listener;
  private final DedupeCounters counters;
  private final Set<FileId> skipped = java.util.concurrent.ConcurrentHashMap.newKeySet();

  ScannedFiles(BlockIndex index, Kernel kernel, DedupeListener listener, DedupeCounters counters) {
    this.index = index;
    this.kernel = kernel;
    this.listener = listener;
    this.counters = counters;
  }

  /**
   * The file, open, if it is still the one scanned (and, as a {@code destination}, not immutable); otherwise null,
   * reported the first time.
   */
  Open open(FileId id, boolean destination) throws IndexException {
    if (skipped.contains(id)) return null;
    return open(index.get(id).orElse(null), destination);
  }

  /** As {@link #open(FileId, boolean)}, for a record already read (null: not in the index). */
  Open open(FileRecord rec, boolean destination) throws IndexException {
    if (rec == null || rec.stale() || skipped.contains(rec.id())) return null;
    FileId id = rec.id();
    Reopened<? extends OpenFile> r = kernel.reopen(rec.paths(), rec.expected());
    if (r instanceof Reopened.Same<? extends OpenFile> same) {
      if (destination && same.stat().immutable()) {
        closeQuietly(same.file());
        skip(rec, new Skip(SkipReason.IMMUTABLE, "immutable or append-only (chattr +i/+a)"));
        return null;
      }
      return new Open(rec, same.file());
    }
    if (r instanceof Reopened.Changed) {
      index.invalidate(id);
      skip(rec, new Skip(SkipReason.CHANGED, ((Reopened.Changed<?>) r).what() + " changed since the scan; it will be hashed again"));
    } else {
      // Gone from disk (deleted, renamed, replaced): its entry is dropped now rather than planned again next run.
      if (r instanceof Reopened.Gone<?>) index.forget(id);
      skip(rec, Skip.of(r));
    }
    return null;
  }

  /** The index's record of a file (null: not in the index). */
  FileRecord record(FileId id) throws IndexException {
    return index.get(id).orElse(null);
  }

  /** A file whose bytes proved different from the index's (the kernel said DIFFERS): hash it again next run. */
  void changed(FileRecord rec, String detail) throws IndexException {
    index.invalidate(rec.id());
    report(rec, SkipReason.CHANGED, detail);
  }

  /** Reports a problem with one range of a file without giving up the file. */
  synchronized void report(FileRecord rec, SkipReason reason, String detail) {
    listener.skipped(rec.path(), reason, detail);
  }

  private synchronized void skip(FileRecord rec, Skip skip) {
    skipped.add(rec.id());
    if (skip.reason().failure()) counters.filesSkipped++;
    listener.skipped(rec.path(), skip.reason(), skip.detail());
  }

  boolean wasSkipped(FileId id) {
    return skipped.contains(id);
  }

  private static void closeQuietly(OpenFile f) {
    try {
      f.close();
    } catch (dupex.linux.NativeIOException e) {
      // read-only descriptor: nothing was written that a failed close could lose
    }
  }
}
