package dupex.linux;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What dupex does with an open file: {@link FileHandle} does it with system calls; tests of the layers above can
 * put a fake in its place.
 */
public interface OpenFile extends AutoCloseable {
  /** The path it was opened at, for messages. */
  String path();

  FileStat stat() throws NativeIOException;

  FsStat fsStat() throws NativeIOException;

  /** Every extent overlapping [start, start + length); with {@code sync}, dirty data is placed first. */
  List<Extent> extents(long start, long length, boolean sync) throws NativeIOException;

  default List<Extent> extents(boolean sync) throws NativeIOException {
    return extents(0, Long.MAX_VALUE, sync);
  }

  /**
   * Reads into a direct buffer from its position to its limit at {@code offset}; returns the bytes read (fewer
   * only at end of file) and advances the buffer's position.
   */
  int read(ByteBuffer buffer, long offset) throws NativeIOException;

  /**
   * Whether every page of [offset, offset + length) is in the page cache now (a read of it would not wait on the
   * disk); false when not, or when the kernel cannot tell (before Linux 6.5).
   */
  default boolean cached(long offset, long length) {
    return false;
  }

  /**
   * FIDEDUPERANGE of [srcOffset, srcOffset + length) of this file against each destination, in rounds of at most
   * {@code roundLength} bytes: the kernel compares the bytes and shares them only if they are equal.
   *
   * @return one outcome per destination, in order
   * @throws DedupeNotSupportedException the filesystem cannot dedupe
   * @throws NativeIOException the whole call failed for the source
   */
  List<DedupeOutcome> dedupe(long srcOffset, long length, List<DedupeTarget> dests, long roundLength)
      throws NativeIOException;

  @Override
  void close() throws NativeIOException;
}
