package dupex.linux;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jnr.ffi.Pointer;

/**
 * An open file descriptor, opened {@code O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK}: a symlink fails with ELOOP
 * and a FIFO never blocks the open. A file dupex scanned is opened again only through {@link Root#reopen}, which
 * checks it is still the same file.
 */
public final class FileHandle implements OpenFile {
  static final int POSIX_FADV_SEQUENTIAL = 2, POSIX_FADV_WILLNEED = 3, POSIX_FADV_DONTNEED = 4;
  /** The VFS caps one dedupe call at 1 GiB and then still echoes the requested length in bytes_deduped. */
  public static final long MAX_DEDUPE_ROUND = 1L << 30;

  private final int fd;
  private final String path;
  private boolean closed;

  FileHandle(int fd, String path) {
    this.fd = fd;
    this.path = path;
  }

  /**
   * Opens a file read-only by a full path, without following a final symlink and without blocking on a FIFO: for
   * paths the user typed. Scanned files are reached through their {@link Root}.
   */
  public static FileHandle open(Path path) throws NativeIOException {
    return open(path, 0);
  }

  /** Opens a directory read-only (for statfs and the filesystem UUID). */
  public static FileHandle openDirectory(Path path) throws NativeIOException {
    return open(path, OpenFlags.O_DIRECTORY);
  }

  private static FileHandle open(Path path, int extra) throws NativeIOException {
    String name = path.toString();
    int fd = Native.LIBC.open(name,
        OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | extra);
    if (fd < 0) throw new NativeIOException("open", name, null, Native.errno());
    return new FileHandle(fd, name);
  }

  int fd() {
    return fd;
  }

  @Override
  public String path() {
    return path;
  }

  /** "" as a C string, for AT_EMPTY_PATH. */
  private static final byte[] EMPTY_PATH = {0};

  @Override
  public FileStat stat() throws NativeIOException {
    Pointer buf = Statx.BUFFER.get(0);
    int rc = Native.LIBC.statx(fd, EMPTY_PATH, Statx.AT_EMPTY_PATH, Statx.STATX_BASIC_STATS, buf);
    if (rc < 0) throw new NativeIOException("statx", path, null, Native.errno());
    return Statx.decode(buf);
  }

  @Override
  public FsStat fsStat() throws NativeIOException {
    Pointer buf = Native.allocate(FsStat.SIZE);
    if (Native.LIBC.fstatfs(fd, buf) < 0) throw new NativeIOException("fstatfs", path, null, Native.errno());
    return FsStat.decode(buf);
  }

  /**
   * The filesystem's UUID: FS_IOC_GETFSUUID (Linux 6.5+; XFS, ext4), else BTRFS_IOC_FS_INFO's fsid; empty where
   * neither answers.
   */
  public Optional<UUID> fsUuid() {
    Pointer buf = Native.allocate(17);
    if (Native.LIBC.ioctl(fd, Ioctl.FS_IOC_GETFSUUID, buf) == 0 && (buf.getByte(0) & 0xff) == 16) {
      return nonZero(uuidAt(buf, 1));
    }
    // struct btrfs_ioctl_fs_info_args: u64 max_id; u64 num_devices; u8 fsid[16]; ... (1024 bytes)
    Pointer info = Native.allocate(1024);
    if (Native.LIBC.ioctl(fd, Ioctl.BTRFS_IOC_FS_INFO, info) == 0) return nonZero(uuidAt(info, 16));
    return Optional.empty();
  }

  /** An all-zero UUID (seen on a root filesystem made without one) names no filesystem in particular. */
  private static Optional<UUID> nonZero(UUID uuid) {
    return uuid.getMostSignificantBits() == 0 && uuid.getLeastSignificantBits() == 0 ? Optional.empty() : Optional.of(uuid);
  }

  private static UUID uuidAt(Pointer p, int offset) {
    long hi = 0, lo = 0;
    for (int i = 0; i < 8; i++) hi = (hi << 8) | (p.getByte(offset + i) & 0xff);
    for (int i = 8; i < 16; i++) lo = (lo << 8) | (p.getByte(offset + i) & 0xff);
    return new UUID(hi, lo);
  }

  /** FS_IOC_FIEMAP, paged (FIEMAP_FLAG_SYNC with {@code sync}). */
  @Override
  public List<Extent> extents(long start, long length, boolean sync) throws NativeIOException {
    return Fiemap.map(this, start, length, sync);
  }

  /** pread, retrying short reads. */
  @Override
  public int read(ByteBuffer buffer, long offset) throws NativeIOException {
    long base = address(buffer);
    int total = 0;
    while (buffer.hasRemaining()) {
      long n = Native.LIBC.pread(fd, Pointer.wrap(Native.RUNTIME, base + buffer.position()), buffer.remaining(),
          offset + total);
      if (n < 0) {
        int errno = Native.errno();
        if (errno == Errno.EINTR) continue;
        throw new NativeIOException("pread", path, null, errno);
      }
      if (n == 0) break;
      buffer.position(buffer.position() + (int) n);
      total += (int) n;
    }
    return total;
  }

  static final long SYS_CACHESTAT = 451;
  private static final int SC_PAGESIZE = 30;
  private static final long PAGE_SIZE = Math.max(4096, Native.LIBC.sysconf(SC_PAGESIZE));
  /** struct cachestat_range (off, len) then struct cachestat (nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted). */
  private static final Native.Reusable CACHESTAT = new Native.Reusable(16 + 40);
  /** Set once cachestat proved missing (ENOSYS) or forbidden (EPERM, a seccomp filter). */
  private static volatile boolean noCachestat;

  /** cachestat(2): whether the range's pages are all cached. */
  @Override
  public boolean cached(long offset, long length) {
    if (noCachestat || length <= 0) return false;
    Pointer p = CACHESTAT.get(56);
    p.putLong(0, offset);
    p.putLong(8, length);
    if (Native.LIBC.syscall(SYS_CACHESTAT, fd, p, p.slice(16), 0) < 0) {
      int errno = Native.errno();
      if (errno == Errno.ENOSYS || errno == Errno.EPERM) noCachestat = true;
      return false;
    }
    long pages = (offset + length + PAGE_SIZE - 1) / PAGE_SIZE - offset / PAGE_SIZE;
    return p.getLong(16) >= pages;
  }

  /** syncfs(2): writes out the filesystem holding this file; on btrfs it also commits the transaction that frees extents. */
  public void syncFilesystem() throws NativeIOException {
    if (Native.LIBC.syncfs(fd) < 0) throw new NativeIOException("syncfs", path, null, Native.errno());
  }

  /** The address of a direct buffer's first byte (Pointer.wrap(ByteBuffer) starts at its position instead). */
  static long address(ByteBuffer buffer) {
    if (!buffer.isDirect()) throw new IllegalArgumentException("buffer must be direct");
    return Pointer.wrap(Native.RUNTIME, buffer.duplicate().position(0)).address();
  }

  /** posix_fadvise(SEQUENTIAL): larger readahead for a whole-file read. Advice only; failure is ignored. */
  public void adviseSequential() {
    Native.LIBC.posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }

  /** posix_fadvise(DONTNEED) over a range that will not be read again soon. Advice only. */
  public void adviseDontNeed(long offset, long length) {
    Native.LIBC.posix_fadvise(fd, offset, length, POSIX_FADV_DONTNEED);
  }

  /**
   * FIDEDUPERANGE of [srcOffset, srcOffset + length) of this file against each destination, issued in rounds of at
   * most {@code roundLength} bytes and at most 120 destinations per call, looping on bytes_deduped until each
   * destination is done or refused. The kernel compares the bytes and shares them only if they are equal.
   *
   * @return one outcome per destination, in order
   * @throws DedupeNotSupportedException the filesystem cannot dedupe (the whole call gave EOPNOTSUPP)
   * @throws NativeIOException the whole call failed for the source (not readable, range past EOF, ...)
   */
  @Override
  public List<DedupeOutcome> dedupe(long srcOffset, long length, List<DedupeTarget> dests, long roundLength)
      throws NativeIOException {
    if (srcOffset < 0 || length <= 0 || roundLength <= 0) {
      throw new IllegalArgumentException("bad dedupe range @" + srcOffset + "+" + length + " round " + roundLength);
    }
    long round = Math.min(roundLength, MAX_DEDUPE_ROUND);
    int n = dests.size();
    DedupeOutcome[] outcomes = new DedupeOutcome[n];
    long[] done = new long[n];
    Pointer arg = FileDedupeRange.allocate(FileDedupeRange.MAX_DESTS_PER_CALL);
    int[] batch = new int[FileDedupeRange.MAX_DESTS_PER_CALL];
    while (true) {
      // The destinations still going with the least progress move together; others catch up in later calls.
      long at = Long.MAX_VALUE;
      for (int i = 0; i < n; i++) if (outcomes[i] == null) at = Math.min(at, done[i]);
      if (at == Long.MAX_VALUE) break;
      int count = 0;
      for (int i = 0; i < n && count < batch.length; i++) if (outcomes[i] == null && done[i] == at) batch[count++] = i;
      long len = Math.min(round, length - at);
      arg.putLong(FileDedupeRange.SRC_OFFSET, srcOffset + at);
      arg.putLong(FileDedupeRange.SRC_LENGTH, len);
      arg.putShort(FileDedupeRange.DEST_COUNT, (short) count);
      for (int k = 0; k < count; k++) {
        int base = FileDedupeRange.info(k);
        DedupeTarget t = dests.get(batch[k]);
        arg.putLong(base + FileDedupeRange.DEST_FD, fdOf(t.file()));
        arg.putLong(base + FileDedupeRange.DEST_OFFSET, t.offset() + at);
        arg.putLong(base + FileDedupeRange.BYTES_DEDUPED, 0);
        arg.putInt(base + FileDedupeRange.STATUS, 0);
      }
      int rc = Native.LIBC.ioctl(fd, Ioctl.FIDEDUPERANGE, arg);
      if (rc < 0) {
        int errno = Native.errno();
        if (errno == Errno.EOPNOTSUPP || errno == Errno.ENOTTY) throw new DedupeNotSupportedException(path, errno);
        String other = count == 1 ? dests.get(batch[0]).file().path() : null;
        throw new NativeIOException("FIDEDUPERANGE", path, other, errno);
      }
      for (int k = 0; k < count; k++) {
        int base = FileDedupeRange.info(k), i = batch[k];
        int status = arg.getInt(base + FileDedupeRange.STATUS);
        long bytes = arg.getLong(base + FileDedupeRange.BYTES_DEDUPED);
        if (status == FileDedupeRange.STATUS_SAME) {
          done[i] += Math.max(0, Math.min(bytes, len));
          // bytes_deduped of 0 would loop forever; the kernel echoes the length asked, so treat it as the end.
          if (done[i] >= length || bytes <= 0) outcomes[i] = new DedupeOutcome.Same(done[i]);
        } else if (status == FileDedupeRange.STATUS_DIFFERS) {
          outcomes[i] = new DedupeOutcome.Differs(done[i]);
        } else {
          outcomes[i] = new DedupeOutcome.Failed(done[i], -status);
        }
      }
    }
    return Arrays.asList(outcomes);
  }

  private static int fdOf(OpenFile file) {
    if (file instanceof FileHandle h) return h.fd;
    if (file instanceof TempFile t) return t.handle().fd;
    throw new IllegalArgumentException("not an open file descriptor: " + file);
  }

  @Override
  public void close() throws NativeIOException {
    if (closed) return;
    closed = true;
    if (Native.LIBC.close(fd) < 0) throw new NativeIOException("close", path, null, Native.errno());
  }
}
