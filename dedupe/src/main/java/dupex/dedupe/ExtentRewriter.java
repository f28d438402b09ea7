package dupex.dedupe;

import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.Extent;
import dupex.linux.FileHandle;
import dupex.linux.NativeIOException;
import dupex.linux.TempFile;
import dupex.scanner.FileId;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * btrfs frees an extent only when no part of it is referenced any more. After a partial dedupe, the unshared
 * remainder of a mostly-shared extent keeps all of it allocated. This copies such remainders into new extents (an
 * O_TMPFILE in the file's own directory, so nothing is left behind even after kill -9) and shares each copy back
 * over the original range through FIDEDUPERANGE, which compares every byte: the file's content never changes, and
 * the old extent loses its last reference.
 */
final class ExtentRewriter {
  /** Keep this much free space beyond the copies themselves. */
  static final long SPACE_MARGIN = 64L << 20;

  /** A part of a file to copy: logical offset and length in bytes. */
  record Piece(long logical, long length) {}

  /** One old extent worth freeing: the pieces of it still referenced, and how many of its bytes moved away. */
  record Rewrite(Extent old, List<Piece> pieces, long moved) {
    long remaining() {
      return pieces.stream().mapToLong(Piece::length).sum();
    }
  }

  private final double threshold;
  private final Map<FileId, List<Extent>> before = new HashMap<>();

  /** @param threshold rewrite when the bytes freed are at least this many times the bytes copied */
  ExtentRewriter(double threshold) {
    this.threshold = threshold;
  }

  boolean remembers(FileId id) {
    return before.containsKey(id);
  }

  /** Records a destination file's extents before its first dedupe of this run. */
  void remember(FileId id, List<Extent> extents) {
    before.put(id, extents);
  }

  Map<FileId, List<Extent>> remembered() {
    return before;
  }

  /**
   * The old extents of a file that are now mostly referenced elsewhere: their remaining pieces are worth copying.
   * An extent that was shared before (a snapshot, a reflinked copy) or whose remainder is shared stays pinned by
   * another reference, so it is left alone.
   */
  static List<Rewrite> plan(List<Extent> before, List<Extent> now, long size, double threshold) {
    List<Rewrite> out = new ArrayList<>();
    for (Extent e : before) {
      if (!e.addressable() || e.shared()) continue;
      long end = Math.min(e.end(), size);
      if (end <= e.logical()) continue;
      long pLo = e.physical(), pHi = e.physical() + (end - e.logical());
      List<Piece> pieces = new ArrayList<>();
      long remaining = 0;
      boolean pinned = false;
      for (Extent c : now) {
        if (!c.addressable()) continue;
        long lo = Math.max(c.physical(), pLo), hi = Math.min(c.physical() + c.length(), pHi);
        if (lo >= hi) continue; // c does not point into e
        long logical = c.logical() + (lo - c.physical());
        if (logical - e.logical() == lo - pLo && logical < end) {
          pinned |= c.shared();
          long len = Math.min(hi - lo, end - logical);
          pieces.add(new Piece(logical, len));
          remaining += len;
        } else {
          pinned = true; // another part of the file (a source of this run) now points into e: copying the rest frees nothing
        }
      }
      long moved = (end - e.logical()) - remaining;
      if (remaining == 0 || moved <= 0 || pinned) continue;
      if (moved < threshold * remaining) continue;
      pieces.sort(java.util.Comparator.comparingLong(Piece::logical));
      out.add(new Rewrite(e, pieces, moved));
    }
    return out;
  }

  /** What became of one rewrite. */
  enum Result { DONE, DIFFERS, NO_SPACE, FAILED }

  /**
   * Copies the pieces into a temporary file in {@code dir} and shares them back over the file. Returns DONE with
   * every piece shared, or why it stopped (the file is unchanged in every case).
   */
  static Result rewrite(FileHandle file, Path dir, Rewrite r, ByteBuffer buffer, long roundLength, long[] rewritten)
      throws NativeIOException {
    long need = r.remaining();
    if (file.fsStat().availableBytes() < need + SPACE_MARGIN) return Result.NO_SPACE;
    try (TempFile tmp = TempFile.create(dir)) {
      long[] at = new long[r.pieces().size()];
      long tmpOffset = 0;
      for (int i = 0; i < at.length; i++) {
        Piece p = r.pieces().get(i);
        at[i] = tmpOffset;
        for (long done = 0; done < p.length(); ) {
          buffer.clear().limit((int) Math.min(buffer.capacity(), p.length() - done));
          int n = file.read(buffer, p.logical() + done);
          if (n <= 0) return Result.DIFFERS; // shorter than it was: changed
          buffer.flip();
          tmp.write(buffer, tmpOffset + done);
          done += n;
        }
        tmpOffset += (p.length() + 4095) & ~4095L; // the next piece starts block-aligned
      }
      tmp.sync();
      for (int i = 0; i < at.length; i++) {
        Piece p = r.pieces().get(i);
        DedupeOutcome out = tmp.handle().dedupe(at[i], p.length(), List.of(new DedupeTarget(file, p.logical())), roundLength).get(0);
        rewritten[0] += out.bytes();
        if (out instanceof DedupeOutcome.Differs) return Result.DIFFERS;
        if (out instanceof DedupeOutcome.Failed) return Result.FAILED;
      }
      return Result.DONE;
    } catch (NativeIOException e) {
      if (e.errno() == Errno.ENOSPC || e.errno() == Errno.EDQUOT) return Result.NO_SPACE;
      throw e;
    }
  }
}
