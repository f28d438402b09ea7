package dupex.dedupe;

import dupex.index.FileRecord;
import dupex.linux.DedupeOutcome;
import dupex.linux.DedupeTarget;
import dupex.linux.Errno;
import dupex.linux.Extent;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.ScratchFile;
import dupex.scanner.FileId;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import dupex.linux.BytePath;
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

  private final RewritePolicy policy;
  private final Kernel kernel;
  private final Map<FileId, List<Extent>> before = new HashMap<>();

  ExtentRewriter(RewritePolicy policy, Kernel kernel) {
    this.policy = policy;
    this.kernel = kernel;
  }

  /** Records a destination file's extents before its first partial dedupe of this run. */
  void remember(ScannedFiles.Open file) throws NativeIOException {
    if (!before.containsKey(file.id())) before.put(file.id(), file.file().extents(false));
  }

  /**
   * Frees the extents this run left mostly shared, by moving their remainders into new extents; each file is
   * reopened and checked first.
   *
   * @return files whose layout changed
   */
  List<FileId> rewriteAll(ScannedFiles files, ByteBuffer buffer, long roundLength, DedupeCounters counters)
      throws IOException {
    List<FileId> changed = new ArrayList<>();
    for (var entry : before.entrySet()) {
      try (ScannedFiles.Open file = files.open(entry.getKey(), true)) {
        if (file == null) continue;
        if (rewriteFile(file, entry.getValue(), files, buffer, roundLength, counters)) changed.add(file.id());
      }
    }
    return changed;
  }

  private boolean rewriteFile(ScannedFiles.Open file, List<Extent> old, ScannedFiles files, ByteBuffer buffer,
                              long roundLength, DedupeCounters counters) throws IOException {
    FileRecord rec = file.record();
    boolean changed = false;
    for (Rewrite r : plan(old, file.file().extents(false), rec.size(), policy)) {
      long[] rewritten = {0};
      Result result;
      try {
        result = rewrite(file.file(), rec.path().parent(), r, buffer, roundLength, rewritten);
      } catch (NativeIOException e) {
        files.report(rec, SkipReason.REFUSED, "cannot copy the rest of a shared extent: " + e.getReason());
        return changed;
      }
      counters.bytesRewritten += rewritten[0];
      switch (result) {
        case DONE -> {
          counters.extentsRewritten++;
          changed = true;
          continue;
        }
        case NO_SPACE -> {
          counters.rewritesSkippedNoSpace++;
          files.report(rec, SkipReason.NO_SPACE, r.remaining() + " bytes of copy needed to free a "
              + r.old().length() + "-byte extent; it stays allocated");
          continue;
        }
        case DIFFERS -> files.changed(rec, "changed while its extent was being rewritten; left as it is");
        case FAILED -> files.report(rec, SkipReason.REFUSED, "the kernel refused to share the copy of an extent's rest");
      }
      return changed;
    }
    return changed;
  }

  /**
   * The old extents of a file that are now mostly referenced elsewhere: their remaining pieces are worth copying.
   * An extent that was shared before (a snapshot, a reflinked copy) or whose remainder is shared stays pinned by
   * another reference, so it is left alone.
   */
  static List<Rewrite> plan(List<Extent> before, List<Extent> now, long size, RewritePolicy policy) {
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
      if (!policy.worthIt(moved, remaining)) continue;
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
  Result rewrite(OpenFile file, BytePath dir, Rewrite r, ByteBuffer buffer, long roundLength, long[] rewritten)
      throws NativeIOException {
    long need = r.remaining();
    if (file.fsStat().availableBytes() < need + SPACE_MARGIN) return Result.NO_SPACE;
    try (ScratchFile tmp = kernel.scratch(dir)) {
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
        DedupeOutcome out = tmp.dedupe(at[i], p.length(), List.of(new DedupeTarget(file, p.logical())), roundLength).get(0);
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
