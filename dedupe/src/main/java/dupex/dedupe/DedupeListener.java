package dupex.dedupe;

import dupex.scanner.ScanListener;
import dupex.scanner.SkipReason;
import dupex.linux.BytePath;

/** Hears what the dedupe pass skipped or was refused, and its progress; the CLI prints it. */
public interface DedupeListener extends ScanListener {
  DedupeListener NONE = new DedupeListener() {};

  @Override
  default void skipped(BytePath path, SkipReason reason, String detail) {}

  /** Something the user should know that is not about one file. */
  default void warning(String message) {}

  /** After each job: bytes done so far of the plan's total. */
  default void progress(long bytesDone, long bytesTotal) {}
}
