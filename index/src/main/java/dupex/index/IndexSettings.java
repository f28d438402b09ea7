package dupex.index;

import dupex.scanner.ScanOptions;

/** What an index's hashes mean; an index refuses to open with other settings. */
public record IndexSettings(int blockSize) {
  /** Bumped whenever a key or value layout changes. */
  public static final int FORMAT_VERSION = 3;
  /** XXH64 over each block, seeded with the block's length; a real hash of 0 is stored as 1. */
  public static final String HASH = "xxh64/seed=block-length";

  public IndexSettings {
    new ScanOptions(blockSize, 0, java.util.List.of(), 1); // validates the block size
  }
}
