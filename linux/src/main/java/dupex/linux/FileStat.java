package dupex.linux;

/**
 * What statx says of a file. {@code device} is encoded as glibc's makedev, so it equals st_dev.
 * Times are nanoseconds since the epoch.
 */
public record FileStat(int mode, long device, long inode, long nlink, long size, long allocatedBytes,
                       long mtimeNs, long ctimeNs, long attributes, int blockSize) {
  static final int S_IFMT = 0170000, S_IFREG = 0100000, S_IFDIR = 0040000, S_IFLNK = 0120000;
  /** STATX_ATTR_IMMUTABLE: the file cannot be modified, and FIDEDUPERANGE on it gives EPERM. */
  public static final long ATTR_IMMUTABLE = 0x10;
  public static final long ATTR_APPEND = 0x20;

  public boolean isRegularFile() {
    return (mode & S_IFMT) == S_IFREG;
  }

  public boolean isDirectory() {
    return (mode & S_IFMT) == S_IFDIR;
  }

  public boolean isSymbolicLink() {
    return (mode & S_IFMT) == S_IFLNK;
  }

  public boolean immutable() {
    return (attributes & (ATTR_IMMUTABLE | ATTR_APPEND)) != 0;
  }

  /** A short word for what the file is, for skip messages. */
  public String typeName() {
    return switch (mode & S_IFMT) {
      case S_IFREG -> "regular file";
      case S_IFDIR -> "directory";
      case S_IFLNK -> "symlink";
      case 0010000 -> "FIFO";
      case 0140000 -> "socket";
      case 0020000 -> "character device";
      case 0060000 -> "block device";
      default -> "special file";
    };
  }
}
