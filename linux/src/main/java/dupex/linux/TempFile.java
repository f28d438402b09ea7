package dupex.linux;

import java.nio.ByteBuffer;
import java.util.List;
import jnr.ffi.Pointer;

/**
 * An unnamed temporary file (O_TMPFILE) in a directory: it never appears in the directory, and the kernel frees
 * it when it is closed, even if the process is killed. dupex writes its own copies of data here and then asks the
 * kernel to share them with the original (which compares every byte first).
 */
public final class TempFile implements ScratchFile {
  private final FileHandle handle;

  private TempFile(FileHandle handle) {
    this.handle = handle;
  }

  /** Creates one in {@code dir}: {@code base} itself or a directory below it, reached without following symlinks. */
  static TempFile create(Directory base, BytePath dir) throws NativeIOException {
    int flags = OpenFlags.O_TMPFILE | OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC;
    if (!dir.equals(base.path())) return new TempFile(base.openBelow(dir, flags, 0600, dir + "/(temporary file)"));
    int fd = Native.LIBC.openat(base.fd(), Directory.cString(new byte[] {'.'}), flags, 0600);
    if (fd < 0) throw new NativeIOException("open(O_TMPFILE)", dir.toString(), null, Native.errno());
    return new TempFile(new FileHandle(fd, dir + "/(temporary file)"));
  }

  /** Creates one in a directory given by its full path (tests). */
  public static TempFile create(java.nio.file.Path dir) throws NativeIOException {
    try (Directory d = Directory.open(BytePath.of(dir.toString()))) {
      return create(d, d.path());
    }
  }

  FileHandle handle() {
    return handle;
  }

  @Override
  public String path() {
    return handle.path();
  }

  @Override
  public FileStat stat() throws NativeIOException {
    return handle.stat();
  }

  @Override
  public FsStat fsStat() throws NativeIOException {
    return handle.fsStat();
  }

  @Override
  public List<Extent> extents(long start, long length, boolean sync) throws NativeIOException {
    return handle.extents(start, length, sync);
  }

  @Override
  public int read(ByteBuffer buffer, long offset) throws NativeIOException {
    return handle.read(buffer, offset);
  }

  @Override
  public List<DedupeOutcome> dedupe(long srcOffset, long length, List<DedupeTarget> dests, long roundLength)
      throws NativeIOException {
    return handle.dedupe(srcOffset, length, dests, roundLength);
  }

  /** pwrite, retrying short writes. */
  @Override
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

  /** fsync. */
  @Override
  public void sync() throws NativeIOException {
    if (Native.LIBC.fsync(handle.fd()) < 0) throw new NativeIOException("fsync", handle.path(), null, Native.errno());
  }

  @Override
  public void close() throws NativeIOException {
    handle.close();
  }
}
