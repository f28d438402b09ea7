package dupex.scanner;

import java.nio.ByteBuffer;

/**
 * The content-defined sample of a file's 4 KiB blocks: the full, 4 KiB-aligned blocks whose hash has its low five
 * bits zero (one block in 32 on average, about one per 128 KiB), with their hashes and physical addresses. Whether a
 * block is sampled depends only on its bytes, so the same content is sampled in every file, at whatever 4 KiB-aligned
 * offset it sits: two files sharing a run of blocks share the run's samples, which is where the planner finds the
 * run and grows it to its true ends. Blocks of zeros are never sampled (they are everywhere, and holes-to-be).
 *
 * @param blocks    each sample's 4 KiB block number in the file, ascending
 * @param hashes    its hash ({@link #hash})
 * @param physicals its physical address as {@link FileScan#physicals} (0 where unknown)
 */
public record Samples(int[] blocks, long[] hashes, long[] physicals) {
  /** The unit of matching: the page size, and the block size of every filesystem dupex dedupes on. */
  public static final int BLOCK = 4096;
  /** One block in RATE is sampled: the index then costs about what one posting per 128 KiB cost. */
  public static final int RATE = 32;
  public static final Samples NONE = new Samples(new int[0], new long[0], new long[0]);
  private static final long ZEROS = BlockHasher.hash(ByteBuffer.allocateDirect(BLOCK), 0, BLOCK);

  public Samples {
    if (blocks.length != hashes.length || physicals.length != hashes.length) throw new IllegalArgumentException("sample arrays differ in length");
  }

  public int count() {
    return blocks.length;
  }

  /** The byte offset of sample {@code i}. */
  public long offset(int i) {
    return (long) blocks[i] * BLOCK;
  }

  /** Whether a full 4 KiB block with this hash is sampled. */
  public static boolean sampled(long hash) {
    return (hash & (RATE - 1)) == 0 && hash != ZEROS;
  }

  /** Collects samples in ascending block order. */
  static final class Builder {
    private int[] blocks = new int[8];
    private long[] hashes = new long[8];
    private long[] physicals = new long[8];
    private int n;

    void add(int block, long hash, long physical) {
      if (n == blocks.length) {
        blocks = java.util.Arrays.copyOf(blocks, n * 2);
        hashes = java.util.Arrays.copyOf(hashes, n * 2);
        physicals = java.util.Arrays.copyOf(physicals, n * 2);
      }
      blocks[n] = block;
      hashes[n] = hash;
      physicals[n++] = physical;
    }

    Samples build() {
      return n == 0 ? NONE : new Samples(java.util.Arrays.copyOf(blocks, n), java.util.Arrays.copyOf(hashes, n),
          java.util.Arrays.copyOf(physicals, n));
    }
  }
}
