package dupex.index;

import dupex.scanner.FileId;

/**
 * One place a block hash occurs: file, block number, physical address (0: unknown), length in bytes, and whether
 * the extent holding it is referenced by another file too (a reflinked copy, a snapshot).
 */
public record Posting(FileId file, int blockIndex, long physical, int length, boolean sharedExtent) {
  public Posting(FileId file, int blockIndex, long physical, int length) {
    this(file, blockIndex, physical, length, false);
  }
}
