package dupex.scanner;

import java.nio.ByteBuffer;
import dupex.linux.BytePath;
import java.util.List;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * A hashed file: its identity and stat as read, per block of {@code blockSize} bytes (the last may be short)
 * the block's hash ({@link #NO_DATA} for a block that is all hole or preallocation) and its physical address
 * (0 when the block is not one contiguous, unencoded run on disk), with {@link #SHARED_EXTENT} set when the extent
 * holding it is referenced elsewhere too; and the content-defined sample of its 4 KiB blocks.
 */
public record FileScan(FileId id, List<BytePath> paths, long size, long mtimeNs, long ctimeNs, int blockSize,
                       long[] hashes, long[] physicals, Samples samples) {
  /** The hash of a block with no data to share. A real hash of 0 is stored as 1. */
  public static final long NO_DATA = 0;
  /**
   * Physical addresses are block-aligned, so bit 0 is free: it marks a block whose extent another file (a reflinked
   * copy, a snapshot) references too (FIEMAP's SHARED). Such an extent stays allocated anyway: the best source.
   */
  public static final long SHARED_EXTENT = 1;

  /** The address of a physical value, without the {@link #SHARED_EXTENT} mark. */
  public static long address(long physical) {
    return physical & ~SHARED_EXTENT;
  }

  public FileScan {
    paths = List.copyOf(paths);
    if (hashes.length != blockCount(size, blockSize) || physicals.length != hashes.length) {
      throw new IllegalArgumentException("block arrays do not match size " + size);
    }
    if (samples == null) throw new IllegalArgumentException("samples are needed (Samples.NONE for none)");
  }

  /** A hash of a block layout: equal layouts mean the index's physical addresses for a file are current. */
  public static long layoutHash(long[] physicals) {
    ByteBuffer b = ByteBuffer.allocate(physicals.length * 8);
    for (long p : physicals) b.putLong(p);
    return LAYOUT_HASH.hash(b.array(), 0, b.capacity(), 0);
  }

  private static final XXHash64 LAYOUT_HASH = XXHashFactory.fastestInstance().hash64();

  public static int blockCount(long size, int blockSize) {
    return (int) ((size + blockSize - 1) / blockSize);
  }

  public int blockLength(int blockIndex) {
    return (int) Math.min(blockSize, size - (long) blockIndex * blockSize);
  }
}
