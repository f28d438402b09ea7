package dupex.linux;

import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;

/** struct fiemap and struct fiemap_extent (include/uapi/linux/fiemap.h), and paging through a file's map. */
public final class Fiemap {
  /** struct fiemap: u64 fm_start (in); u64 fm_length (in); u32 fm_flags (in/out); u32 fm_mapped_extents (out);
   *  u32 fm_extent_count (in); u32 fm_reserved; struct fiemap_extent fm_extents[]. */
  static final int HEADER_SIZE = 32;
  static final int FM_START = 0, FM_LENGTH = 8, FM_FLAGS = 16, FM_MAPPED_EXTENTS = 20, FM_EXTENT_COUNT = 24;
  /** struct fiemap_extent: u64 fe_logical; u64 fe_physical; u64 fe_length; u64 fe_reserved64[2]; u32 fe_flags; u32 fe_reserved[3]. All out. */
  static final int EXTENT_SIZE = 56;
  static final int FE_LOGICAL = 0, FE_PHYSICAL = 8, FE_LENGTH = 16, FE_FLAGS = 40;
  /**
   * Extents asked for per call: 32 + 56 * 64 = 3.6 KiB of argument, enough for most files in one call; a file with
   * more pages through further calls. (A 28 KiB argument per file made rescans of many small files slower.)
   */
  static final int EXTENTS_PER_CALL = 64;

  public static final int FLAG_SYNC = 0x1;
  public static final int EXTENT_LAST = 0x1, EXTENT_UNKNOWN = 0x2, EXTENT_DELALLOC = 0x4, EXTENT_ENCODED = 0x8,
      EXTENT_DATA_ENCRYPTED = 0x80, EXTENT_NOT_ALIGNED = 0x100, EXTENT_DATA_INLINE = 0x200,
      EXTENT_DATA_TAIL = 0x400, EXTENT_UNWRITTEN = 0x800, EXTENT_MERGED = 0x1000, EXTENT_SHARED = 0x2000;

  private static final Native.Reusable ARG = new Native.Reusable(HEADER_SIZE + EXTENT_SIZE * EXTENTS_PER_CALL);

  private Fiemap() {}

  /** All extents overlapping [start, start + length), paging until the LAST flag or an empty answer. */
  static List<Extent> map(FileHandle file, long start, long length, boolean sync) throws NativeIOException {
    List<Extent> extents = new ArrayList<>();
    Pointer arg = ARG.get(HEADER_SIZE);
    long end = length == Long.MAX_VALUE ? Long.MAX_VALUE : start + length;
    long next = start;
    while (next < end) {
      arg.putLong(FM_START, next);
      arg.putLong(FM_LENGTH, end == Long.MAX_VALUE ? Long.MAX_VALUE - next : end - next);
      arg.putInt(FM_FLAGS, sync ? FLAG_SYNC : 0);
      arg.putInt(FM_MAPPED_EXTENTS, 0);
      arg.putInt(FM_EXTENT_COUNT, EXTENTS_PER_CALL);
      int rc = Native.LIBC.ioctl(file.fd(), Ioctl.FS_IOC_FIEMAP, arg);
      if (rc < 0) {
        int errno = Native.errno();
        if (errno == Errno.EOPNOTSUPP || errno == Errno.ENOTTY) return unmapped(file, start, end);
        throw new NativeIOException("FS_IOC_FIEMAP", file.path(), null, errno);
      }
      int mapped = arg.getInt(FM_MAPPED_EXTENTS);
      if (mapped == 0) break;
      boolean last = false;
      for (int i = 0; i < mapped; i++) {
        int base = HEADER_SIZE + i * EXTENT_SIZE;
        Extent e = new Extent(arg.getLong(base + FE_LOGICAL), arg.getLong(base + FE_PHYSICAL),
            arg.getLong(base + FE_LENGTH), arg.getInt(base + FE_FLAGS));
        extents.add(e);
        next = Math.max(next, e.end());
        last |= e.last();
      }
      if (last) break;
    }
    return extents;
  }

  /**
   * A filesystem that maps no extents (tmpfs, some FUSE and network filesystems): the whole range is data at an
   * unknown place, so it is read and hashed, and nothing is taken as already shared.
   */
  private static List<Extent> unmapped(FileHandle file, long start, long end) throws NativeIOException {
    long size = file.stat().size();
    long stop = Math.min(end, size);
    return stop > start ? List.of(new Extent(start, 0, stop - start, EXTENT_LAST)) : List.of();
  }
}
