package dupex.linux;

/**
 * What became of reopening a file dupex scanned ({@link Root#reopen}): it is the same file, unchanged and
 * open; it changed; it is gone; or the kernel refused to open it. Every layer that touches a scanned file again
 * goes through this one check.
 */
public sealed interface Reopened<F> {
  /** The path it was last tried at (the file's first path when none could be opened). */
  BytePath path();

  /** The same file, unchanged since it was scanned, open read-only: close it. */
  record Same<F>(BytePath path, F file, FileStat stat) implements Reopened<F> {}

  /** A path still names the file, but its size, mtime or ctime changed ({@code what} says which). */
  record Changed<F>(BytePath path, String what) implements Reopened<F> {}

  /** No path names the file any more (deleted, renamed, or replaced by another file or a symlink). */
  record Gone<F>(BytePath path, String detail) implements Reopened<F> {}

  /** None of its paths lies below the run's roots: it was not opened (a file indexed by a run on other paths). */
  record Outside<F>(BytePath path) implements Reopened<F> {}

  /** It could not be opened or stat'ed: permission, I/O error, ... */
  record Refused<F>(BytePath path, NativeIOException error) implements Reopened<F> {}
}
