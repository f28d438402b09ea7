package dupex.linux;

import java.nio.file.Path;
import java.util.Optional;

/**
 * An exclusive flock(2) on a file, held until closed. flock locks belong to the open file, not the process (unlike
 * fcntl locks, which any close of the file in the process drops), so a second open anywhere, this process
 * included, finds it held.
 */
public final class LockFile implements AutoCloseable {
  static final int LOCK_EX = 2, LOCK_NB = 4;
  private final FileHandle handle;

  private LockFile(FileHandle handle) {
    this.handle = handle;
  }

  /** Creates the file (mode 0600) if needed and locks it; empty if another open file holds the lock. */
  public static Optional<LockFile> tryLock(Path path) throws NativeIOException {
    String name = path.toString();
    int fd = Native.LIBC.open(name, OpenFlags.O_CREAT | OpenFlags.O_RDWR | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0600);
    if (fd < 0) throw new NativeIOException("open", name, null, Native.errno());
    FileHandle h = new FileHandle(fd, name);
    if (Native.LIBC.flock(fd, LOCK_EX | LOCK_NB) == 0) return Optional.of(new LockFile(h));
    int errno = Native.errno();
    h.close();
    if (errno == Errno.EAGAIN) return Optional.empty();
    throw new NativeIOException("flock", name, null, errno);
  }

  /**
   * Whether another open file holds the flock on {@code path}, told from /proc/locks without taking the lock (so
   * asking never makes a run starting meanwhile find its index locked).
   */
  public static boolean isHeld(Path path) throws NativeIOException {
    FileStat st;
    try {
      st = Linux.lstat(path);
    } catch (NativeIOException e) {
      if (e.errno() == Errno.ENOENT) return false;
      throw e;
    }
    // a line: "1: FLOCK  ADVISORY  WRITE 1234 00:2d:5678 0 EOF" (device major:minor in hex, inode in decimal)
    String id = String.format("%02x:%02x:%d", major(st.device()), minor(st.device()), st.inode());
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/locks"))) {
        String[] f = line.trim().split("\\s+");
        int at = f.length > 1 && f[1].equals("->") ? 2 : 1; // "->" marks a waiter
        if (f.length > at + 4 && f[at].equals("FLOCK") && f[at + 4].equalsIgnoreCase(id)) return true;
      }
      return false;
    } catch (java.io.IOException e) {
      throw new NativeIOException("read", "/proc/locks", null, Errno.EIO);
    }
  }

  /** glibc's major() and minor() of a makedev'd device number. */
  static long major(long dev) {
    return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
  }

  static long minor(long dev) {
    return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
  }

  @Override
  public void close() throws NativeIOException {
    handle.close(); // the lock goes with the open file
  }
}
