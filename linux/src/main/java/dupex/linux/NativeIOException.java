package dupex.linux;

import java.nio.file.FileSystemException;

/** A failed system call: the call, the path(s) and errno, e.g. {@code /a -> /b: FIDEDUPERANGE: Operation not supported (EOPNOTSUPP)}. */
public class NativeIOException extends FileSystemException {
  private final String call;
  private final int errno;

  public NativeIOException(String call, String path, String other, int errno) {
    super(path, other, call + ": " + Errno.describe(errno));
    this.call = call;
    this.errno = errno;
  }

  public String call() {
    return call;
  }

  public int errno() {
    return errno;
  }

  public String errnoName() {
    return Errno.name(errno);
  }

  /** A one-line message naming the path(s), the call and the error. */
  @Override
  public String getMessage() {
    String where = getFile() == null ? "" : getOtherFile() == null ? getFile() + ": " : getFile() + " -> " + getOtherFile() + ": ";
    return where + getReason();
  }
}
