package dupex.scanner;

import dupex.linux.Errno;
import dupex.linux.NativeIOException;
import dupex.linux.Reopened;

/** Why one file was passed over, with a detail for the message; the one mapping from kernel answers to reasons. */
public record Skip(SkipReason reason, String detail) {
  public Skip {
    detail = detail == null ? "" : detail;
  }

  /** A failed call on a path: gone (ENOENT, ENOTDIR), replaced by a symlink (ELOOP), or unreadable. */
  public static Skip of(NativeIOException e) {
    return switch (e.errno()) {
      case Errno.ENOENT, Errno.ENOTDIR -> new Skip(SkipReason.VANISHED, "");
      case Errno.ELOOP -> new Skip(SkipReason.VANISHED, "replaced by a symlink");
      default -> new Skip(SkipReason.UNREADABLE, e.getReason());
    };
  }

  /** Why a reopened file cannot be used; {@code Same} is not a skip. */
  public static Skip of(Reopened<?> r) {
    if (r instanceof Reopened.Changed<?> c) return new Skip(SkipReason.CHANGED, c.what() + " changed since the scan");
    if (r instanceof Reopened.Gone<?> g) return new Skip(SkipReason.VANISHED, g.detail());
    if (r instanceof Reopened.Refused<?> f) return of(f.error());
    if (r instanceof Reopened.Outside<?>) return new Skip(SkipReason.EXCLUDED, "not below the paths of this run");
    throw new IllegalArgumentException("the file is the same: not a skip");
  }
}
