package dupex.linux;

import java.util.Map;

/** Linux errno numbers by name (asm-generic values, the same on x86_64 and aarch64). */
public final class Errno {
  public static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11,
      ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20,
      EISDIR = 21, EINVAL = 22, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, EROFS = 30,
      ENAMETOOLONG = 36, ENOSYS = 38, ELOOP = 40, EBADE = 52, EOVERFLOW = 75, EOPNOTSUPP = 95, ESTALE = 116, EDQUOT = 122;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(EINTR, "EINTR"),
      Map.entry(EIO, "EIO"), Map.entry(ENXIO, "ENXIO"), Map.entry(EBADF, "EBADF"),
      Map.entry(EAGAIN, "EAGAIN"), Map.entry(ENOMEM, "ENOMEM"), Map.entry(EACCES, "EACCES"),
      Map.entry(EBUSY, "EBUSY"), Map.entry(EEXIST, "EEXIST"), Map.entry(EXDEV, "EXDEV"),
      Map.entry(ENODEV, "ENODEV"), Map.entry(ENOTDIR, "ENOTDIR"), Map.entry(EISDIR, "EISDIR"),
      Map.entry(EINVAL, "EINVAL"), Map.entry(ENOTTY, "ENOTTY"), Map.entry(ETXTBSY, "ETXTBSY"),
      Map.entry(EFBIG, "EFBIG"), Map.entry(ENOSPC, "ENOSPC"), Map.entry(EROFS, "EROFS"),
      Map.entry(ENAMETOOLONG, "ENAMETOOLONG"), Map.entry(ENOSYS, "ENOSYS"), Map.entry(ELOOP, "ELOOP"), Map.entry(EBADE, "EBADE"),
      Map.entry(EOVERFLOW, "EOVERFLOW"), Map.entry(EOPNOTSUPP, "EOPNOTSUPP"), Map.entry(ESTALE, "ESTALE"), Map.entry(EDQUOT, "EDQUOT"));

  private Errno() {}

  /** "EPERM", or "errno 123" for one without a name here. */
  public static String name(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }

  /** "Operation not permitted (EPERM)". */
  public static String describe(int errno) {
    return Native.LIBC.strerror(errno) + " (" + name(errno) + ")";
  }
}
