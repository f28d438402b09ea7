package dupex.linux;

import java.nio.file.Path;
import jnr.ffi.Pointer;

/** Calls on paths rather than open files: lstat through statx, and isatty. */
public final class Linux {
  private Linux() {}

  /** statx without following a final symlink (like lstat), so a walk sees links and special files as what they are. */
  public static FileStat lstat(BytePath path) throws NativeIOException {
    Pointer buf = Statx.BUFFER.get(0);
    int rc = Native.LIBC.statx(Statx.AT_FDCWD, path.cString(), Statx.AT_SYMLINK_NOFOLLOW, Statx.STATX_BASIC_STATS, buf);
    if (rc < 0) throw new NativeIOException("statx", path.toString(), null, Native.errno());
    return Statx.decode(buf);
  }

  /** lstat of a path given as text (tests, the index directory). */
  public static FileStat lstat(Path path) throws NativeIOException {
    return lstat(BytePath.of(path.toAbsolutePath().normalize().toString()));
  }

  /**
   * The absolute path with every symlink, "." and ".." resolved, as the kernel names it (open with O_PATH, then
   * readlink of /proc/self/fd/N), for paths given as arguments: following those is the user's choice.
   *
   * @param path absolute, or relative to the working directory; bytes as given
   */
  public static BytePath realPath(byte[] path) throws NativeIOException {
    int fd = Native.LIBC.openat(Statx.AT_FDCWD, Directory.cString(path), OpenFlags.O_PATH | OpenFlags.O_CLOEXEC);
    if (fd < 0) throw new NativeIOException("open", BytePath.show(path), null, Native.errno());
    try {
      byte[] buf = new byte[4097];
      byte[] link = ("/proc/self/fd/" + fd).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      long n = Native.LIBC.readlink(Directory.cString(link), buf, buf.length);
      if (n < 0) throw new NativeIOException("readlink", "/proc/self/fd/" + fd, null, Native.errno());
      if (n >= buf.length) throw new NativeIOException("readlink", BytePath.show(path), null, Errno.ENAMETOOLONG);
      return BytePath.of(java.util.Arrays.copyOf(buf, (int) n));
    } finally {
      Native.LIBC.close(fd);
    }
  }

  /** statfs of the filesystem holding a path (a directory or a file; not followed if it is a symlink). */
  public static FsStat statfs(Path path) throws NativeIOException {
    try (FileHandle h = FileHandle.open(path)) {
      return h.fsStat();
    }
  }

  /** Loads libc's bindings now (JNR-FFI generates them at the first call otherwise: 130-190 ms). */
  public static void load() {
    Native.LIBC.getClass();
  }

  public static boolean isatty(int fd) {
    return Native.LIBC.isatty(fd) == 1;
  }
}
