package dupex.dedupe;

import dupex.scanner.FileId;

/** A range of a destination file whose bytes should equal a range of a source file. */
public record DupeRange(FileId src, long srcOffset, FileId dst, long dstOffset, long length) {
  public DupeRange {
    if (srcOffset < 0 || dstOffset < 0 || length <= 0) throw new IllegalArgumentException("bad range " + srcOffset + "/" + dstOffset + "+" + length);
  }
}
