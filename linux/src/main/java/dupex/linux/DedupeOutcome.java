package dupex.linux;

/** What the kernel said about one destination of a dedupe request; {@code bytes} is what was shared before it ended. */
public sealed interface DedupeOutcome {
  long bytes();

  /** The whole range compared equal and now shares the source's blocks. */
  record Same(long bytes) implements DedupeOutcome {}

  /** The bytes differ (the file changed since its scan, or a hash collision): normal, nothing was shared past {@code bytes}. */
  record Differs(long bytes) implements DedupeOutcome {}

  /** The kernel refused this destination with an errno (EPERM, ETXTBSY, EXDEV, EINVAL, ...). */
  record Failed(long bytes, int errno) implements DedupeOutcome {
    public String errnoName() {
      return Errno.name(errno);
    }
  }
}
