package dupex.scanner;

/** One file on one filesystem: device and inode. Hard links share it. */
public record FileId(long device, long inode) implements Comparable<FileId> {
  @Override
  public int compareTo(FileId o) {
    int c = Long.compareUnsigned(device, o.device);
    return c != 0 ? c : Long.compareUnsigned(inode, o.inode);
  }

  @Override
  public String toString() {
    return Long.toHexString(device) + ":" + Long.toUnsignedString(inode);
  }
}
