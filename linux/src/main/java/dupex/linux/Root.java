package dupex.linux;

import java.util.List;

/**
 * A path a run was given (a directory or a regular file), opened once at the start: everything below it is
 * reached through that descriptor ({@link Directory}), so nothing outside it is ever opened, whatever is renamed
 * or swapped for a symlink while dupex works. Holds the directory itself, or for a file root its directory.
 */
public final class Root implements AutoCloseable {
  private final BytePath path;
  private final Directory base;
  private final boolean file;

  private Root(BytePath path, Directory base, boolean file) {
    this.path = path;
    this.base = base;
    this.file = file;
  }

  /**
   * Opens a root by its absolute path, which must not go through a symlink (resolve it first: {@link Linux#realPath}).
   *
   * @throws NativeIOException it is missing, unreadable, or neither a directory nor a regular file (EINVAL)
   */
  public static Root open(BytePath path) throws NativeIOException {
    FileStat st = Linux.lstat(path);
    if (st.isDirectory()) return new Root(path, Directory.open(path), false);
    if (!st.isRegularFile()) throw new NativeIOException("open", path.toString(), null, Errno.EINVAL);
    BytePath parent = path.parent();
    return new Root(path, Directory.open(parent), true);
  }

  public BytePath path() {
    return path;
  }

  /** True if the root is a regular file rather than a directory. */
  public boolean isFile() {
    return file;
  }

  /** The root directory, or for a file root the directory holding it. */
  public Directory directory() {
    return base;
  }

  /** True if {@code p} is the root or lies below it. */
  public boolean contains(BytePath p) {
    return p.startsWith(path);
  }

  /**
   * Opens a file dupex scanned, at the first of its paths that lies below one of {@code roots} and still names it,
   * and checks that it has not changed since: the one place that knows this rule. A path outside every root is
   * never opened.
   */
  public static Reopened<FileHandle> reopen(List<Root> roots, List<BytePath> paths, Expected expected) {
    if (paths.isEmpty()) throw new IllegalArgumentException("a file needs a path");
    Reopened<FileHandle> failed = null;
    for (BytePath path : paths) {
      Root root = holding(roots, path);
      if (root == null) {
        if (failed == null) failed = new Reopened.Outside<>(path);
        continue;
      }
      FileHandle h;
      try {
        h = root.base.openBelow(path, Directory.FILE_FLAGS, 0);
      } catch (NativeIOException e) {
        if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) continue; // this link is gone; try the others
        if (e.errno() == Errno.ELOOP || e.errno() == Errno.EXDEV) {
          if (failed == null) failed = new Reopened.Gone<>(path, "replaced by a symlink");
        } else if (!(failed instanceof Reopened.Refused)) {
          failed = new Reopened.Refused<>(path, e);
        }
        continue;
      }
      try {
        FileStat st = h.stat();
        if (!expected.sameFile(st)) {
          h.close();
          if (failed == null) failed = new Reopened.Gone<>(path, "replaced by another " + st.typeName());
          continue;
        }
        String change = expected.change(st);
        if (change != null) {
          h.close();
          return new Reopened.Changed<>(path, change);
        }
        return new Reopened.Same<>(path, h, st);
      } catch (NativeIOException e) {
        closeQuietly(h, e);
        failed = new Reopened.Refused<>(path, e);
      }
    }
    return failed != null ? failed : new Reopened.Gone<>(paths.get(0), "");
  }

  /** The root {@code p} lies below (the deepest, if roots nest), or null. */
  public static Root holding(List<Root> roots, BytePath p) {
    Root best = null;
    for (Root r : roots) if (r.contains(p) && (best == null || r.path.length() > best.path.length())) best = r;
    return best;
  }

  /** What {@link #lookup} found at a path. */
  public enum Lookup {
    /** The path names the inode asked about. */
    SAME,
    /** Nothing is there any more, or something else is (another inode, a symlink). */
    GONE,
    /** It could not be told (permission, I/O error): treat the file as still there. */
    UNKNOWN
  }

  /** Whether {@code p} (below this root) still names inode {@code inode} of {@code device}; opens nothing for reading (O_PATH). */
  public Lookup lookup(BytePath p, long device, long inode) {
    try (FileHandle h = base.openBelow(p, OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC, 0)) {
      FileStat st = h.stat();
      return st.device() == device && st.inode() == inode ? Lookup.SAME : Lookup.GONE;
    } catch (NativeIOException e) {
      return switch (e.errno()) {
        case Errno.ENOENT, Errno.ENOTDIR, Errno.ELOOP, Errno.EXDEV -> Lookup.GONE;
        default -> Lookup.UNKNOWN;
      };
    }
  }

  /** An unnamed scratch file (O_TMPFILE) in {@code dir}, a directory below this root (or its own directory). */
  public TempFile scratch(BytePath dir) throws NativeIOException {
    return TempFile.create(base, dir);
  }

  private static void closeQuietly(FileHandle h, NativeIOException first) {
    try {
      h.close();
    } catch (NativeIOException e) {
      first.addSuppressed(e);
    }
  }

  @Override
  public void close() throws NativeIOException {
    base.close();
  }
}
