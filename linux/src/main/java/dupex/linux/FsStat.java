package dupex.linux;

/** What statfs says of a filesystem: its type magic, block size and space in bytes. */
public record FsStat(long type, long blockSize, long totalBytes, long freeBytes, long availableBytes) {
  public static final long BTRFS_MAGIC = 0x9123683EL, XFS_MAGIC = 0x58465342L, EXT4_MAGIC = 0xEF53L,
      TMPFS_MAGIC = 0x01021994L, OVERLAYFS_MAGIC = 0x794c7630L, NFS_MAGIC = 0x6969L, ZFS_MAGIC = 0x2fc12fc1L;

  /** "btrfs", "xfs", "ext2/3/4", ... or the magic in hex. */
  public String typeName() {
    if (type == BTRFS_MAGIC) return "btrfs";
    if (type == XFS_MAGIC) return "xfs";
    if (type == EXT4_MAGIC) return "ext2/3/4";
    if (type == TMPFS_MAGIC) return "tmpfs";
    if (type == OVERLAYFS_MAGIC) return "overlayfs";
    if (type == NFS_MAGIC) return "nfs";
    if (type == ZFS_MAGIC) return "zfs";
    return "filesystem type 0x" + Long.toHexString(type);
  }

  public boolean isBtrfs() {
    return type == BTRFS_MAGIC;
  }

  /** Only btrfs and XFS can dedupe at all; XFS also needs reflink=1 ({@link Directory#canDedupe}). */
  public boolean mayDedupe() {
    return type == BTRFS_MAGIC || type == XFS_MAGIC;
  }

  /** struct statfs on 64-bit Linux: long f_type, f_bsize; u64 f_blocks, f_bfree, f_bavail, ... (120 bytes). */
  static final int SIZE = 120;

  static FsStat decode(jnr.ffi.Pointer p) {
    long bsize = p.getLong(8), blocks = p.getLong(16), bfree = p.getLong(24), bavail = p.getLong(32);
    long frsize = p.getLong(72);
    long unit = frsize > 0 ? frsize : bsize;
    return new FsStat(p.getLong(0) & 0xffffffffL, bsize, blocks * unit, bfree * unit, bavail * unit);
  }
}
