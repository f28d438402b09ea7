package dupex.linux;

/** What statfs says of a filesystem: its type magic, block size and space in bytes. */
public record FsStat(long type, long blockSize, long totalBytes, long freeBytes, long availableBytes) {
  public static final long BTRFS_MAGIC = 0x9123683EL, XFS_MAGIC = 0x58465342L, EXT4_MAGIC = 0xEF53L,
      TMPFS_MAGIC = 0x01021994L, OVERLAYFS_MAGIC = 0x794c7630L, NFS_MAGIC = 0x6969L, ZFS_MAGIC = 0x2fc12fc1L;

  /** Kernel-made filesystems (linux/magic.h) whose files hold no stored data: nothing to index there. */
  private static final java.util.Map<Long, String> VIRTUAL = java.util.Map.ofEntries(
      java.util.Map.entry(0x9fa0L, "proc"), java.util.Map.entry(0x62656572L, "sysfs"), java.util.Map.entry(0x1cd1L, "devpts"),
      java.util.Map.entry(0x27e0ebL, "cgroup"), java.util.Map.entry(0x63677270L, "cgroup2"),
      java.util.Map.entry(0x64626720L, "debugfs"), java.util.Map.entry(0x74726163L, "tracefs"),
      java.util.Map.entry(0x73636673L, "securityfs"), java.util.Map.entry(0xcafe4a11L, "bpf"),
      java.util.Map.entry(0x6165676cL, "pstore"), java.util.Map.entry(0x62656570L, "configfs"),
      java.util.Map.entry(0xde5e81e4L, "efivarfs"), java.util.Map.entry(0x19800202L, "mqueue"),
      java.util.Map.entry(0x42494e4dL, "binfmt_misc"), java.util.Map.entry(0x958458f6L, "hugetlbfs"));

  /** proc, sysfs, cgroup, debugfs, ...: their files are made up by the kernel, not stored. */
  public boolean isVirtual() {
    return VIRTUAL.containsKey(type);
  }

  /** "btrfs", "xfs", "ext2/3/4", ... or the magic in hex. */
  public String typeName() {
    if (VIRTUAL.containsKey(type)) return VIRTUAL.get(type);
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
