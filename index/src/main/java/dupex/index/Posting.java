package dupex.index;

import dupex.scanner.FileId;

/**
 * One place a hash occurs: file, byte offset (a multiple of 4 KiB), physical address (0: unknown), length in bytes
 * (4 KiB for a sample, up to a block for a file's first block), and whether the extent holding it is referenced by
 * another file too (a reflinked copy, a snapshot).
 */
public record Posting(FileId file, long offset, long physical, int length, boolean sharedExtent) {
  public Posting(FileId file, long offset, long physical, int length) {
    this(file, offset, physical, length, false);
  }
}
