package dupex.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import jnr.ffi.Pointer;

/**
 * An unnamed temporary file (O_TMPFILE) in a directory: it never appears in the directory, and the kernel frees
 * it when it is closed, even if the process is killed. dupex writes its own copies of data here and then asks the
 * kernel to share them with the original (which compares every byte first).
 */
public final class TempFile implements AutoCloseable {
  private final FileHandle handle;

  private TempFile(FileHandle handle) {
    this.handle = handle;
  }

  /** Creates one in {@code dir}, which must be on the filesystem the copies are for. */
  public static TempFile create(Path dir) throws NativeIOException {
    String name = dir.toString();
    int fd = Native.LIBC.open(name, OpenFlags.O_TMPFILE | OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0600);
    if (fd < 0) throw new NativeIOException("open(O_TMPFILE)", name, null, Native.errno());
    return new TempFile(new FileHandle(fd, name + "/(temporary file)"));
  }

  /** The open file, to use as a dedupe source. */
  public FileHandle handle() {
    return handle;
  }

  /** Writes a direct buffer from its position to its limit at {@code offset}, retrying short writes. */
  public void write(ByteBuffer buffer, long offset) throws NativeIOException {
    long base = FileHandle.address(buffer);
    long at = offset;
    while (buffer.hasRemaining()) {
      long n = Native.LIBC.pwrite(handle.fd(), Pointer.wrap(Native.RUNTIME, base + buffer.position()), buffer.remaining(), at);
      if (n < 0) {
        int errno = Native.errno();
        if (errno == Errno.EINTR) continue;
        throw new NativeIOException("pwrite", handle.path(), null, errno);
      }
      buffer.position(buffer.position() + (int) n);
      at += n;
    }
  }

  /** fsync: the copy is placed on disk (and a full disk shows here, as ENOSPC). */
  public void sync() throws NativeIOException {
    if (Native.LIBC.fsync(handle.fd()) < 0) throw new NativeIOException("fsync", handle.path(), null, Native.errno());
  }

  @Override
  public void close() throws NativeIOException {
    handle.close();
  }
}
