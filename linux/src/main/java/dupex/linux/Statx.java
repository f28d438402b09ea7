package dupex.linux;

import jnr.ffi.Pointer;

/** struct statx (include/uapi/linux/stat.h): the same layout on every architecture, unlike struct stat. */
final class Statx {
  static final int SIZE = 256;
  /** The thread's statx buffer: the kernel fills the whole struct, and it is decoded before the thread's next call. */
  static final Native.Reusable BUFFER = new Native.Reusable(SIZE);
  static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_EMPTY_PATH = 0x1000;
  static final int STATX_BASIC_STATS = 0x7ff;

  // offsets, all out
  static final int MASK = 0, BLKSIZE = 4, ATTRIBUTES = 8, NLINK = 16, MODE = 28, INO = 32, SIZE_OFF = 40,
      BLOCKS = 48, CTIME = 96, MTIME = 112, DEV_MAJOR = 136, DEV_MINOR = 140;

  private Statx() {}

  static FileStat decode(Pointer p) {
    long major = p.getInt(DEV_MAJOR) & 0xffffffffL, minor = p.getInt(DEV_MINOR) & 0xffffffffL;
    return new FileStat(p.getShort(MODE) & 0xffff, makedev(major, minor), p.getLong(INO),
        p.getInt(NLINK) & 0xffffffffL, p.getLong(SIZE_OFF), p.getLong(BLOCKS) * 512,
        timestamp(p, MTIME), timestamp(p, CTIME), p.getLong(ATTRIBUTES), p.getInt(BLKSIZE));
  }

  /** struct statx_timestamp { s64 tv_sec; u32 tv_nsec; s32 reserved; }. */
  private static long timestamp(Pointer p, int offset) {
    return p.getLong(offset) * 1_000_000_000L + (p.getInt(offset + 8) & 0xffffffffL);
  }

  /** glibc's makedev, so devices compare equal to st_dev from other tools. */
  static long makedev(long major, long minor) {
    return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
  }
}
