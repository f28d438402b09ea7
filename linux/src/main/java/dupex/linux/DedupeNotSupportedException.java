package dupex.linux;

/** The filesystem cannot share blocks (ext4, tmpfs, XFS without reflink): FIDEDUPERANGE gave EOPNOTSUPP or EINVAL on a valid request. */
public final class DedupeNotSupportedException extends NativeIOException {
  public DedupeNotSupportedException(String path, int errno) {
    super("FIDEDUPERANGE", path, null, errno);
  }

  @Override
  public String getMessage() {
    return getFile() + ": this filesystem cannot dedupe (FIDEDUPERANGE: " + Errno.describe(errno()) + ")";
  }
}
