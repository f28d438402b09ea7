package dupex.index;

import dupex.scanner.ScanOptions;

/** What an index's hashes mean; an index refuses to open with other settings. */
public record IndexSettings(int blockSize) {
  /** Bumped whenever a key or value layout changes. */
  public static final int FORMAT_VERSION = 5;
  /**
   * XXH64 over each 4 KiB piece seeded with its length, and over a longer block's piece hashes seeded with the
   * block's length; a real hash of 0 is stored as 1.
   */
  public static final String HASH = "xxh64-of-4k-xxh64/seed=length";
  /** Which places are posted: each file's first block, and its 4 KiB blocks sampled one in 32 by hash. */
  public static final String ANCHORS = "first-block+4k/" + dupex.scanner.Samples.RATE;

  /** What the index stores in its meta column family, and compares on open. */
  public String describe() {
    return "format=" + FORMAT_VERSION + " blockSize=" + blockSize + " hash=" + HASH + " anchors=" + ANCHORS;
  }

  /** The settings a stored description names, or null where it is of another format (then open refuses it). */
  static IndexSettings parse(String stored) {
    for (String part : stored.split(" ")) {
      if (part.startsWith("blockSize=")) {
        try {
          return new IndexSettings(Integer.parseInt(part.substring("blockSize=".length())));
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  public IndexSettings {
    new ScanOptions(blockSize, 0, java.util.List.of(), 1); // validates the block size
  }
}
