package dupex.cli;

import dupex.index.IndexException;
import dupex.linux.DedupeNotSupportedException;
import dupex.linux.Errno;
import dupex.linux.NativeIOException;
import java.io.IOException;

/** The one mapping from what went wrong to the exit code and the line a user reads. */
final class Failures {
  private Failures() {}

  /** An index that cannot be used: locked 75, other settings 78, permission 77, anything else (corrupt, full) 74. */
  static CliException of(IndexException e) {
    if (e instanceof IndexException.Locked) return new CliException(ExitCode.LOCKED, e.getMessage() + " (use --wait to wait for it)", e);
    if (e instanceof IndexException.SettingsMismatch) return new CliException(ExitCode.CONFIG, e.getMessage(), e);
    if (e instanceof IndexException.Denied) return new CliException(ExitCode.NO_PERMISSION, e.getMessage(), e);
    return new CliException(ExitCode.IO_ERROR, e.getMessage(), e);
  }

  /** A path that cannot be used: permission 77, anything else 66. */
  static CliException of(Object path, NativeIOException e) {
    int code = e.errno() == Errno.EACCES || e.errno() == Errno.EPERM ? ExitCode.NO_PERMISSION : ExitCode.NO_INPUT;
    return new CliException(code, path + ": " + Errno.describe(e.errno()), e);
  }

  /** What ended a run on {@code root}'s filesystem of type {@code fsType}. */
  static CliException of(IOException e, Object root, String fsType) {
    if (e instanceof IndexException ie) return of(ie);
    if (e instanceof DedupeNotSupportedException d) {
      return new CliException(ExitCode.UNAVAILABLE, root + ": this filesystem cannot dedupe (" + fsType
          + " without reflink support?): " + d.getReason(), e);
    }
    if (e instanceof NativeIOException n) return of(n.getFile() == null ? root : n.getFile(), n);
    return new CliException(ExitCode.IO_ERROR, e.getMessage(), e);
  }
}
