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

  @Override
  public void close() throws NativeIOException {
    handle.close(); // the lock goes with the open file
  }
}
