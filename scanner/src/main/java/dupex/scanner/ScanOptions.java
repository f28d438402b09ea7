package dupex.scanner;

import java.util.List;

/**
 * How to scan: the block size hashes are taken over, the smallest file worth scanning (0: one filesystem block),
 * glob patterns to exclude, and how many files are read at once.
 */
public record ScanOptions(int blockSize, long minSize, List<String> excludes, int threads) {
  public static final int DEFAULT_BLOCK_SIZE = 128 * 1024;
  public static final int MIN_BLOCK_SIZE = 4096;
  public static final int MAX_BLOCK_SIZE = 16 << 20;

  public ScanOptions {
    if (Integer.bitCount(blockSize) != 1 || blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE) {
      throw new IllegalArgumentException("--block-size must be a power of two from 4 KiB to 16 MiB, not " + blockSize);
    }
    if (minSize < 0) throw new IllegalArgumentException("--min-size must not be negative");
    if (threads < 1 || threads > 256) throw new IllegalArgumentException("--threads must be from 1 to 256");
    excludes = List.copyOf(excludes);
  }

  public static ScanOptions defaults() {
    return new ScanOptions(DEFAULT_BLOCK_SIZE, 0, List.of(), 4);
  }
}
