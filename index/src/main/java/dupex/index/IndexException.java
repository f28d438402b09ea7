package dupex.index;

import java.io.IOException;

/** The index could not be used; each subclass maps to one exit code in the CLI. */
public class IndexException extends IOException {
  public IndexException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Another dupex run holds the index (RocksDB's LOCK file). */
  public static final class Locked extends IndexException {
    public Locked(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The database is damaged; the message names how to reset it. */
  public static final class Corrupt extends IndexException {
    public Corrupt(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The index was built with other settings (block size, hash, format). */
  public static final class SettingsMismatch extends IndexException {
    public SettingsMismatch(String message) {
      super(message, null);
    }
  }

  /** The index directory cannot be read or written by this user. */
  public static final class Denied extends IndexException {
    public Denied(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Disk full while writing the index. */
  public static final class NoSpace extends IndexException {
    public NoSpace(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
