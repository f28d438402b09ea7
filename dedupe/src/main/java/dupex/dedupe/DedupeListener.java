package dupex.dedupe;

import dupex.scanner.ScanListener;
import dupex.scanner.SkipReason;
import dupex.linux.BytePath;

/** Hears what the dedupe pass skipped or was refused, and its progress; the CLI prints it. */
public interface DedupeListener extends ScanListener {
  DedupeListener NONE = new DedupeListener() {};

  @Override
  default void skipped(BytePath path, SkipReason reason, String detail) {}

  /**
   * A change the kernel made to a file's extents: {@code length} bytes at {@code offset} of {@code path} now share
   * the blocks of {@code source} at {@code sourceOffset} ("dedupe"), or of a new copy of themselves ("rewrite",
   * {@code source} null): the audit trail of what a run touched.
   */
  record Change(String action, BytePath path, long offset, long length, BytePath source, long sourceOffset) {}

  /** The kernel changed a file's extents (its content is the same). */
  default void changed(Change change) {}

  /** Something the user should know that is not about one file. */
  default void warning(String message) {}

  /** After each job: bytes done so far of the plan's total. */
  default void progress(long bytesDone, long bytesTotal) {}

  /** {@code listener}, heard by one thread at a time: a dedupe runs its jobs on several. */
  static DedupeListener serialized(DedupeListener listener) {
    return new DedupeListener() {
      @Override
      public synchronized void skipped(BytePath path, SkipReason reason, String detail) {
        listener.skipped(path, reason, detail);
      }

      @Override
      public synchronized void changed(Change change) {
        listener.changed(change);
      }

      @Override
      public synchronized void warning(String message) {
        listener.warning(message);
      }

      @Override
      public synchronized void progress(long bytesDone, long bytesTotal) {
        listener.progress(bytesDone, bytesTotal);
      }
    };
  }
}
