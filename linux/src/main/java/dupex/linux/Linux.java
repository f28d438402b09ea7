package dupex.linux;

import java.nio.file.Path;
import jnr.ffi.Pointer;

/** Calls on paths rather than open files: lstat through statx, and isatty. */
public final class Linux {
  private Linux() {}

  /** statx without following a final symlink (like lstat), so a walk sees links and special files as what they are. */
  public static FileStat lstat(Path path) throws NativeIOException {
    Pointer buf = Native.allocate(Statx.SIZE);
    String name = path.toString();
    int rc = Native.LIBC.statx(Statx.AT_FDCWD, name, Statx.AT_SYMLINK_NOFOLLOW, Statx.STATX_BASIC_STATS, buf);
    if (rc < 0) throw new NativeIOException("statx", name, null, Native.errno());
    return Statx.decode(buf);
  }

  /** statfs of the filesystem holding a path (a directory or a file; not followed if it is a symlink). */
  public static FsStat statfs(Path path) throws NativeIOException {
    try (FileHandle h = FileHandle.open(path)) {
      return h.fsStat();
    }
  }

  public static boolean isatty(int fd) {
    return Native.LIBC.isatty(fd) == 1;
  }
}
