package dupex.dedupe;

import dupex.scanner.FileId;

/** A range of a destination file whose bytes should equal a range of a source file. */
public record DupeRange(FileId src, long srcOffset, FileId dst, long dstOffset, long length) {
  public DupeRange {
    if (srcOffset < 0 || dstOffset < 0 || length <= 0) throw new IllegalArgumentException("bad range " + srcOffset + "/" + dstOffset + "+" + length);
  }

  /**
   * Where on disk a shared range of a file ending at {@code end} ends: a range ends inside a 4 KiB block only at the
   * end of the file, and the file's last block is allocated whole, so sharing the range shares (and frees) all of
   * it. Over files of 1-9 KiB that block is a third of what is freed.
   */
  static long blockEnd(long end) {
    return (end + SharedExtent.BLOCK - 1) & -SharedExtent.BLOCK;
  }
}
