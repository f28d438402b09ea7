package dupex.linux;

/**
 * What a file was when dupex last looked at it: reopening it ({@link FileHandle#reopen}) checks that a path still
 * names this file (device and inode) and that it has not changed since (size, mtime and ctime in nanoseconds).
 */
public record Expected(long device, long inode, long size, long mtimeNs, long ctimeNs) {
  /** The file as a stat saw it. */
  public static Expected of(FileStat st) {
    return new Expected(st.device(), st.inode(), st.size(), st.mtimeNs(), st.ctimeNs());
  }

  /** What differs in {@code now}, as a word for messages ("size", "mtime", "ctime"), or null if nothing does. */
  String change(FileStat now) {
    if (now.size() != size) return "size";
    if (now.mtimeNs() != mtimeNs) return "mtime";
    if (now.ctimeNs() != ctimeNs) return "ctime";
    return null;
  }

  boolean sameFile(FileStat now) {
    return now.isRegularFile() && now.device() == device && now.inode() == inode;
  }
}
