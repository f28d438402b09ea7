package dupex.linux;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import jnr.ffi.Pointer;

/**
 * An open directory: lists its entries by bytes (getdents64), stats and opens what is below it relative to its
 * descriptor, never following a symlink. A directory swapped for a symlink while dupex works cannot lead it out:
 * every step is an openat with O_NOFOLLOW from a descriptor dupex already holds, or one openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS.
 */
public final class Directory implements AutoCloseable {
  /** One getdents64 call fills this much: about 1,000 entries of average length. */
  static final int DIRENT_BUFFER = 32 * 1024;
  static final long SYS_OPENAT2 = 437;
  /** struct open_how (24 bytes): u64 flags; u64 mode; u64 resolve; all in. */
  static final int OPEN_HOW_SIZE = 24;
  static final long RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08;
  /** Set once openat2 proved missing (ENOSYS); tests set it to exercise the per-component walk. */
  static volatile boolean noOpenat2;

  private static final Native.Reusable DIRENTS = new Native.Reusable(DIRENT_BUFFER);
  private static final Native.Reusable OPEN_HOW = new Native.Reusable(OPEN_HOW_SIZE);
  private final FileHandle handle;
  private final BytePath path;

  private Directory(FileHandle handle, BytePath path) {
    this.handle = handle;
    this.path = path;
  }

  /** Opens a directory by its absolute path (following no symlink in its last component). */
  public static Directory open(BytePath path) throws NativeIOException {
    int fd = Native.LIBC.openat(Statx.AT_FDCWD, path.cString(), DIR_FLAGS);
    if (fd < 0) throw new NativeIOException("open", path.toString(), null, Native.errno());
    return new Directory(new FileHandle(fd, path.toString()), path);
  }

  private static final int DIR_FLAGS = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
  static final int FILE_FLAGS = OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK;

  public BytePath path() {
    return path;
  }

  /**
   * Hands the name of each entry but "." and ".." to {@code sink} as it is read, in the order the filesystem returns
   * them: nothing is held per entry here, so a directory of millions costs what the sink keeps.
   */
  public void forEachName(java.util.function.Consumer<byte[]> sink) throws NativeIOException {
    Pointer buf = DIRENTS.get(0);
    while (true) {
      long n = Native.LIBC.getdents64(handle.fd(), buf, DIRENT_BUFFER);
      if (n < 0) {
        int errno = Native.errno();
        if (errno == Errno.EINTR) continue;
        throw new NativeIOException("getdents64", path.toString(), null, errno);
      }
      if (n == 0) return;
      // struct linux_dirent64: u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[] (NUL-terminated),
      // copied out at once: reading native memory byte by byte cost more than the call
      byte[] b = new byte[(int) n];
      buf.get(0, b, 0, b.length);
      java.nio.ByteBuffer fields = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.nativeOrder());
      for (int at = 0; at < n; ) {
        int reclen = fields.getShort(at + 16) & 0xffff;
        int len = 0;
        while (19 + len < reclen && b[at + 19 + len] != 0) len++;
        byte[] name = java.util.Arrays.copyOfRange(b, at + 19, at + 19 + len);
        if (BytePath.isName(name)) sink.accept(name);
        at += reclen;
      }
    }
  }

  /** statx of an entry, not following it if it is a symlink. */
  public FileStat stat(byte[] name) throws NativeIOException {
    Pointer buf = Statx.BUFFER.get(0);
    int rc = Native.LIBC.statx(handle.fd(), cString(name), Statx.AT_SYMLINK_NOFOLLOW, Statx.STATX_BASIC_STATS, buf);
    if (rc < 0) throw new NativeIOException("statx", path.resolve(name).toString(), null, Native.errno());
    return Statx.decode(buf);
  }

  /** Opens a subdirectory; ELOOP or ENOTDIR if the entry is (now) a symlink or not a directory. */
  public Directory openDirectory(byte[] name) throws NativeIOException {
    BytePath child = path.resolve(name);
    int fd = Native.LIBC.openat(handle.fd(), cString(name), DIR_FLAGS);
    if (fd < 0) throw new NativeIOException("open", child.toString(), null, Native.errno());
    return new Directory(new FileHandle(fd, child.toString()), child);
  }

  /**
   * Opens {@code target}, which lies below this directory, without following any symlink on the way and without
   * leaving this directory: openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), or where the kernel lacks it (before
   * 5.6, or a seccomp filter that refuses it) one openat(O_NOFOLLOW) per component.
   */
  FileHandle openBelow(BytePath target, int flags, int mode) throws NativeIOException {
    return openBelow(target, flags, mode, target.toString());
  }

  FileHandle openBelow(BytePath target, int flags, int mode, String shown) throws NativeIOException {
    byte[] rel = target.relativeTo(path);
    if (rel.length == 0) throw new IllegalArgumentException("not below " + path + ": " + target);
    if (!noOpenat2) {
      Pointer how = OPEN_HOW.get(OPEN_HOW_SIZE);
      how.putLong(0, flags);
      how.putLong(8, mode);
      how.putLong(16, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
      long fd = Native.LIBC.syscall(SYS_OPENAT2, handle.fd(), cString(rel), how, OPEN_HOW_SIZE);
      if (fd >= 0) return new FileHandle((int) fd, shown);
      int errno = Native.errno();
      if (errno != Errno.ENOSYS && errno != Errno.EPERM) throw new NativeIOException("openat2", shown, null, errno);
      if (errno == Errno.ENOSYS) noOpenat2 = true;
    }
    List<byte[]> names = target.namesBelow(path);
    int dirfd = handle.fd();
    try {
      for (int i = 0; i < names.size(); i++) {
        boolean last = i == names.size() - 1;
        int fd = Native.LIBC.openat(dirfd, cString(names.get(i)), last ? flags | OpenFlags.O_NOFOLLOW : DIR_FLAGS, mode);
        if (fd < 0) {
          int errno = Native.errno();
          // O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR; say ELOOP, as openat2 does
          if (errno == Errno.ENOTDIR && !last && isSymlink(dirfd, names.get(i))) errno = Errno.ELOOP;
          throw new NativeIOException("openat", shown, null, errno);
        }
        if (dirfd != handle.fd()) Native.LIBC.close(dirfd);
        dirfd = fd;
      }
      int fd = dirfd;
      dirfd = handle.fd();
      return new FileHandle(fd, shown);
    } finally {
      if (dirfd != handle.fd()) Native.LIBC.close(dirfd);
    }
  }

  int fd() {
    return handle.fd();
  }

  private static boolean isSymlink(int dirfd, byte[] name) {
    Pointer buf = Statx.BUFFER.get(0);
    if (Native.LIBC.statx(dirfd, cString(name), Statx.AT_SYMLINK_NOFOLLOW, Statx.STATX_BASIC_STATS, buf) < 0) return false;
    return Statx.decode(buf).isSymbolicLink();
  }

  static byte[] cString(byte[] b) {
    return java.util.Arrays.copyOf(b, b.length + 1);
  }

  public FileStat stat() throws NativeIOException {
    return handle.stat();
  }

  public FsStat fsStat() throws NativeIOException {
    return handle.fsStat();
  }

  public Optional<UUID> fsUuid() {
    return handle.fsUuid();
  }

  /**
   * Whether the filesystem can share blocks at all: btrfs, or XFS made with reflink=1 (XFS_IOC_FSGEOMETRY), so
   * a run on XFS without it stops before reading anything.
   */
  public boolean canDedupe() throws NativeIOException {
    FsStat fs = fsStat();
    if (fs.isBtrfs()) return true;
    if (fs.type() != FsStat.XFS_MAGIC) return false;
    Pointer geom = Native.allocate(112);
    if (Native.LIBC.ioctl(handle.fd(), Ioctl.XFS_IOC_FSGEOMETRY_V1, geom) < 0) {
      throw new NativeIOException("XFS_IOC_FSGEOMETRY", path.toString(), null, Native.errno());
    }
    return (geom.getInt(Ioctl.XFS_GEOM_FLAGS) & Ioctl.XFS_FSOP_GEOM_FLAGS_REFLINK) != 0;
  }

  /** On btrfs: the id of the subvolume holding this directory. */
  public long btrfsSubvolume() throws NativeIOException {
    return BtrfsTree.subvolume(handle);
  }

  /** On btrfs: every item, in any subvolume of this filesystem, that references a disk extent ({@link BtrfsTree#referrers}). */
  public List<BtrfsTree.Referrer> btrfsReferrers(long diskBytenr) throws NativeIOException {
    return BtrfsTree.referrers(handle, diskBytenr);
  }

  /**
   * On btrfs: the path of inode {@code inode} of subvolume {@code root}, from the filesystem's top-level
   * subvolume (which need not be mounted anywhere), for messages.
   */
  public BytePath btrfsPath(long root, long inode) throws NativeIOException {
    byte[] sub = BtrfsTree.subvolumePath(handle, root), in = BtrfsTree.inodePath(handle, root, inode);
    byte[] all = new byte[1 + sub.length + (sub.length > 0 ? 1 : 0) + in.length];
    all[0] = '/';
    System.arraycopy(sub, 0, all, 1, sub.length);
    if (sub.length > 0) all[1 + sub.length] = '/';
    System.arraycopy(in, 0, all, all.length - in.length, in.length);
    return BytePath.of(all);
  }

  /** syncfs(2) of the filesystem holding this directory. */
  public void syncFilesystem() throws NativeIOException {
    handle.syncFilesystem();
  }

  @Override
  public void close() throws NativeIOException {
    handle.close();
  }
}
