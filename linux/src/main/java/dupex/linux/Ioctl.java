package dupex.linux;

/** ioctl request numbers, built as in include/uapi/asm-generic/ioctl.h. */
public final class Ioctl {
  private static final int NRBITS = 8, TYPEBITS = 8, SIZEBITS = 14;
  private static final int TYPESHIFT = NRBITS, SIZESHIFT = TYPESHIFT + TYPEBITS, DIRSHIFT = SIZESHIFT + SIZEBITS;
  private static final long WRITE = 1, READ = 2;

  /** FIDEDUPERANGE = _IOWR(0x94, 54, struct file_dedupe_range) = 0xC0189436. */
  public static final long FIDEDUPERANGE = iowr(0x94, 54, FileDedupeRange.HEADER_SIZE);
  /** FS_IOC_FIEMAP = _IOWR('f', 11, struct fiemap) = 0xC020660B. */
  public static final long FS_IOC_FIEMAP = iowr('f', 11, Fiemap.HEADER_SIZE);
  /** FS_IOC_GETFSUUID = _IOR(0x15, 0, struct fsuuid2) = 0x80111500 (Linux 6.5+). */
  public static final long FS_IOC_GETFSUUID = ior(0x15, 0, 17);
  /** BTRFS_IOC_FS_INFO = _IOR(0x94, 31, struct btrfs_ioctl_fs_info_args) = 0x8400941F; btrfs has no FS_IOC_GETFSUUID. */
  public static final long BTRFS_IOC_FS_INFO = ior(0x94, 31, 1024);
  /**
   * XFS_IOC_FSGEOMETRY_V1 = _IOR('X', 100, struct xfs_fsop_geom_v1) = 0x80705864: every kernel has it; its u32 flags
   * at offset 92 carry XFS_FSOP_GEOM_FLAGS_REFLINK (1 << 20).
   */
  public static final long XFS_IOC_FSGEOMETRY_V1 = ior('X', 100, 112);
  static final int XFS_GEOM_FLAGS = 92, XFS_FSOP_GEOM_FLAGS_REFLINK = 1 << 20;

  private Ioctl() {}

  static long iowr(int type, int nr, int size) {
    return ioc(READ | WRITE, type, nr, size);
  }

  static long ior(int type, int nr, int size) {
    return ioc(READ, type, nr, size);
  }

  private static long ioc(long dir, int type, int nr, int size) {
    return (dir << DIRSHIFT) | ((long) size << SIZESHIFT) | ((long) type << TYPESHIFT) | nr;
  }
}
