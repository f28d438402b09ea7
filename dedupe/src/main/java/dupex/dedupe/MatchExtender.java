package dupex.dedupe;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.linux.NativeIOException;
import dupex.scanner.FileScan;
import dupex.scanner.Samples;
import java.nio.ByteBuffer;

/**
 * Finds the runs of equal 4 KiB blocks two files hold: over both files' block hashes from the index where their
 * blocks line up (the whole-file and same-offset cases, read from nothing), and by reading and comparing both files
 * around an anchor where they do not, or, at a run's ends, inside the block that differs. Reading also confirms an
 * anchor that only a 4 KiB hash vouched for; it never goes into blocks that hold no data (holes). A file is opened
 * for reading only once {@link ScannedFiles} has checked it is the one scanned.
 */
final class MatchExtender implements AutoCloseable {
  /** Equal ranges of two files: dst and src offsets, and their length. */
  record Match(long dstOffset, long srcOffset, long length) {
    long dstEnd() {
      return dstOffset + length;
    }
  }

  private static final int BLOCK = Samples.BLOCK;
  /** Reads start small (most anchors sit in short runs) and double up to this. */
  private static final int MAX_READ = 8 << 20;

  private final BlockIndex index;
  private final ScannedFiles files;
  private final int blockSize;
  /**
   * Grown to the largest read so far (a direct buffer is zeroed, so all of it is resident from the start: two of
   * 8 MiB were 16 MiB of a plan's memory where most reads are of 64 KiB).
   */
  private ByteBuffer dstBuf = aligned(64 << 10), srcBuf = aligned(64 << 10);
  private FileRecord dstRec, srcRec;
  private long[] dstHashes, srcHashes;
  /** The blocks of each file with no data (holes, preallocation), ascending: reading never goes into them. */
  private int[] dstHoles, srcHoles;
  private ScannedFiles.Open dstOpen, srcOpen;
  /** Both files' extent maps, read once opened, where a run needs them ({@link #byLayout}). */
  private java.util.List<dupex.linux.Extent> dstExtents, srcExtents;
  /** Bytes read to confirm and extend anchors (both files counted). */
  long bytesRead;

  /** {@code files} null: never read (then only block hashes extend, and an unconfirmed anchor is taken as it is). */
  MatchExtender(BlockIndex index, ScannedFiles files, int blockSize) {
    this.index = index;
    this.files = files;
    this.blockSize = blockSize;
  }

  /**
   * Every run of equal blocks {@code dst} holds {@code delta} bytes after {@code src} holds them, by the block hashes
   * (none where the delta is not a whole number of blocks), in order; with {@code mayRead}, the differing blocks
   * next to each run are compared 4 KiB by 4 KiB and their equal pieces added (an edit of 4 KiB costs 4 KiB, not a
   * block), going on into the next differing block while the equal bytes reach its edge, and reading every block
   * of a gap of at most {@link #SMALL_GAP} blocks between two runs (edits in several blocks in a row).
   */
  java.util.List<Match> sameOffsets(FileRecord dst, FileRecord src, long delta, boolean mayRead)
      throws IndexException, NativeIOException {
    load(dst, src);
    java.util.List<Match> out = new java.util.ArrayList<>();
    if (dst.blockSize() != blockSize || src.blockSize() != blockSize || delta % blockSize != 0) return out;
    int shift = (int) (delta / blockSize); // dst block i holds src block i - shift
    java.util.List<int[]> runs = new java.util.ArrayList<>(); // [first block, end block) of each run
    for (int i = Math.max(0, shift); i < dstHashes.length && i - shift < srcHashes.length; ) {
      if (!same(i, i - shift)) {
        i++;
        continue;
      }
      int hi = i + 1;
      while (same(hi, hi - shift)) hi++;
      long start = (long) i * blockSize;
      // Equal hashes mean equal lengths: a short last block in one file is the short last block of the other.
      out.add(new Match(start, start - delta, Math.min((long) hi * blockSize, dst.size()) - start));
      runs.add(new int[] {i, hi});
      i = hi;
    }
    if (mayRead && files != null && blockSize > BLOCK && !out.isEmpty()) {
      java.util.BitSet read = new java.util.BitSet();
      for (int r = 0; r < runs.size(); r++) {
        int before = r == 0 ? -1 : runs.get(r - 1)[1] - 1, after = r + 1 < runs.size() ? runs.get(r + 1)[0] : dstHashes.length;
        if (!grow(runs.get(r)[1], 1, after, shift, read, out) || !grow(runs.get(r)[0] - 1, -1, before, shift, read, out)) break;
      }
      out = merged(out);
    }
    if (dst.id().equals(src.id())) out.replaceAll(MatchExtender::apart);
    out.removeIf(m -> m.length() <= 0);
    return out;
  }

  /** Gaps between two runs of equal blocks up to this many blocks are read whole. */
  static final int SMALL_GAP = 3;

  /**
   * Reads differing blocks from {@code b} on, one {@code step} at a time, up to (not into) block {@code stop} (the
   * next run's edge), adding their equal pieces: the whole way when the gap is small, otherwise while the equal
   * bytes reach the edge of the block on the far side. False if the files cannot be opened.
   */
  private boolean grow(int b, int step, int stop, int shift, java.util.BitSet read, java.util.List<Match> out)
      throws IndexException, NativeIOException {
    boolean small = Math.abs(stop - b) <= SMALL_GAP;
    for (; b != stop && b >= 0 && b < dstHashes.length && b - shift >= 0 && b - shift < srcHashes.length; b += step) {
      if (read.get(b) || same(b, b - shift)) return true;
      read.set(b);
      if (dstHashes[b] == FileScan.NO_DATA || srcHashes[b - shift] == FileScan.NO_DATA) return true;
      if (!open()) return false;
      int edges = pieces((long) b * blockSize, (long) (b - shift) * blockSize, out);
      if (!small && (edges & (step > 0 ? TAIL : HEAD)) == 0) return true;
    }
    return true;
  }

  /** What {@link #pieces} found: equal bytes from the block's start, to its end. */
  private static final int HEAD = 1, TAIL = 2;

  /** Adds the runs of equal 4 KiB blocks inside the block at {@code d} of dst and {@code s} of src; tells its edges. */
  private int pieces(long d, long s, java.util.List<Match> out) throws NativeIOException {
    int n = (int) Math.min(blockSize, Math.min(dstRec.size() - d, srcRec.size() - s));
    if (n <= 0 || !readBoth(d, s, n)) return 0;
    boolean bothEnd = d + n == dstRec.size() && s + n == srcRec.size();
    int edges = 0;
    long runStart = -1;
    for (int at = 0; at < n; at += BLOCK) {
      int len = Math.min(BLOCK, n - at);
      boolean equal = (len == BLOCK || bothEnd) && dstBuf.slice(at, len).mismatch(srcBuf.slice(at, len)) < 0;
      if (equal && runStart < 0) runStart = at;
      if (!equal && runStart >= 0) {
        out.add(new Match(d + runStart, s + runStart, at - runStart));
        if (runStart == 0) edges |= HEAD;
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      out.add(new Match(d + runStart, s + runStart, n - runStart));
      edges |= TAIL | (runStart == 0 ? HEAD : 0);
    }
    return edges;
  }

  /**
   * Cuts {@code m} (between the files last given) where dst's bytes go from being on src's physical bytes already to
   * not, by both files' extent maps as they are now (parts at offsets from the match's start); the whole match,
   * unshared, if either cannot be opened as scanned (the dedupe will say why).
   */
  java.util.List<SameBlocks.Part> byLayout(Match m) throws IndexException, NativeIOException {
    if (files == null || !open()) return java.util.List.of(new SameBlocks.Part(0, m.length(), false));
    if (dstExtents == null) dstExtents = dstOpen.file().extents(false);
    if (srcExtents == null) srcExtents = srcOpen == dstOpen ? dstExtents : srcOpen.file().extents(false);
    return SameBlocks.parts(dstExtents, m.dstOffset(), srcExtents, m.srcOffset(), m.length());
  }

  /** Sorts matches of one delta and joins those that touch or overlap. */
  private static java.util.List<Match> merged(java.util.List<Match> in) {
    in.sort(java.util.Comparator.comparingLong(Match::dstOffset));
    java.util.List<Match> out = new java.util.ArrayList<>();
    for (Match m : in) {
      Match last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && m.dstOffset() <= last.dstEnd()) {
        long end = Math.max(last.dstEnd(), m.dstEnd());
        out.set(out.size() - 1, new Match(last.dstOffset(), last.srcOffset(), end - last.dstOffset()));
      } else {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * The run of equal bytes through the anchor at {@code dstOffset} of {@code dst} and {@code srcOffset} of
   * {@code src} ({@code anchorLength} bytes with equal hashes), found by reading both files, or null where reading
   * shows the anchor differs or a file cannot be read as scanned (reported by {@link ScannedFiles}). With
   * {@code mayRead} false, nothing is read: the anchor is taken as it is. A run inside one file never overlaps itself.
   */
  Match extend(FileRecord dst, FileRecord src, long dstOffset, long srcOffset, int anchorLength, boolean mayRead)
      throws IndexException, NativeIOException {
    load(dst, src);
    Match m = mayRead && files != null ? byReading(dstOffset, srcOffset) : new Match(dstOffset, srcOffset, anchorLength);
    if (m != null && dst.id().equals(src.id())) m = apart(m);
    return m == null || m.length() <= 0 ? null : m;
  }

  private void load(FileRecord dst, FileRecord src) throws IndexException {
    if (dstRec == null || !dstRec.id().equals(dst.id())) {
      closeOpen(true);
      dstRec = dst;
      dstHashes = index.hashes(dst);
      dstHoles = holes(dstHashes);
    }
    if (srcRec == null || !srcRec.id().equals(src.id())) {
      closeOpen(false);
      srcRec = src;
      srcHashes = index.hashes(src);
      srcHoles = holes(srcHashes);
    }
  }

  private boolean same(int i, int j) {
    return i < dstHashes.length && j >= 0 && j < srcHashes.length && dstHashes[i] != FileScan.NO_DATA && dstHashes[i] == srcHashes[j];
  }

  private static int[] holes(long[] hashes) {
    int n = 0;
    for (long h : hashes) if (h == FileScan.NO_DATA) n++;
    int[] out = new int[n];
    for (int b = 0, k = 0; b < hashes.length; b++) if (hashes[b] == FileScan.NO_DATA) out[k++] = b;
    return out;
  }

  /** Where the data from {@code offset} on ends: the start of the next block with none, or the end of file. */
  private long dataEnd(int[] holes, long size, long offset) {
    int b = (int) (offset / blockSize);
    int k = java.util.Arrays.binarySearch(holes, b);
    int next = k >= 0 ? b : -k - 1;
    return next < holes.length ? Math.max(offset, (long) (k >= 0 ? b : holes[next]) * blockSize) : size;
  }

  /** Where the data before {@code offset} starts: the end of the last block with none before it, or 0. */
  private long dataStart(int[] holes, long offset) {
    if (offset == 0) return 0;
    int b = (int) ((offset - 1) / blockSize);
    int k = java.util.Arrays.binarySearch(holes, b);
    int last = k >= 0 ? k : -k - 2;
    return last >= 0 ? Math.min(offset, (long) (holes[last] + 1) * blockSize) : 0;
  }

  private long aheadLimit(long d, long s) {
    return Math.min(dataEnd(dstHoles, dstRec.size(), d) - d, dataEnd(srcHoles, srcRec.size(), s) - s);
  }

  private long backLimit(long d, long s) {
    return Math.min(d - dataStart(dstHoles, d), s - dataStart(srcHoles, s));
  }

  /** Reads both files forward and backward from the anchor while their 4 KiB blocks are equal. */
  private Match byReading(long dstOffset, long srcOffset) throws IndexException, NativeIOException {
    if (!open()) return null;
    long ahead = forward(dstOffset, srcOffset, aheadLimit(dstOffset, srcOffset));
    if (ahead == 0) return null; // the anchor itself differs: a collision, or a change since the scan
    long back = backward(dstOffset, srcOffset, backLimit(dstOffset, srcOffset));
    return new Match(dstOffset - back, srcOffset - back, back + ahead);
  }

  /**
   * Equal bytes from {@code d} and {@code s} on, up to {@code limit}: whole 4 KiB blocks, or through a shorter last
   * piece when it ends both files (the kernel shares a partial block only at both ends of file).
   */
  private long forward(long d, long s, long limit) throws NativeIOException {
    long done = 0;
    int chunk = 64 << 10;
    while (done < limit) {
      int n = (int) Math.min(chunk, limit - done);
      if (!readBoth(d + done, s + done, n)) break;
      long m = dstBuf.mismatch(srcBuf);
      if (m >= 0) {
        done += m;
        break;
      }
      done += n;
      chunk = Math.min(chunk * 2, MAX_READ);
    }
    boolean bothEnd = d + done == dstRec.size() && s + done == srcRec.size();
    return bothEnd ? done : done - done % BLOCK;
  }

  /** Equal whole 4 KiB blocks just before {@code d} and {@code s}, up to {@code limit} bytes (a multiple of 4 KiB). */
  private long backward(long d, long s, long limit) throws NativeIOException {
    long done = 0;
    int chunk = 64 << 10;
    while (done < limit) {
      int n = (int) Math.min(chunk, limit - done);
      if (!readBoth(d - done - n, s - done - n, n)) break;
      for (int at = n - BLOCK; at >= 0; at -= BLOCK) {
        if (dstBuf.slice(at, BLOCK).mismatch(srcBuf.slice(at, BLOCK)) >= 0) return done + (n - at - BLOCK);
      }
      done += n;
      chunk = Math.min(chunk * 2, MAX_READ);
    }
    return done;
  }

  private static ByteBuffer aligned(int capacity) {
    return ByteBuffer.allocateDirect(capacity + 4096).alignedSlice(4096);
  }

  /** Reads {@code n} bytes of both files into the buffers (flipped); false if either is shorter now. */
  private boolean readBoth(long d, long s, int n) throws NativeIOException {
    if (dstBuf.capacity() < n) {
      int c = (Math.max(n, 2 * dstBuf.capacity()) + 4095) & -4096;
      dstBuf = aligned(c);
      srcBuf = aligned(c);
    }
    return fill(dstOpen, dstBuf, d, n) && fill(srcOpen, srcBuf, s, n);
  }

  private boolean fill(ScannedFiles.Open f, ByteBuffer buf, long offset, int n) throws NativeIOException {
    buf.clear().limit(n);
    int got = f.file().read(buf, offset); // reads until the limit or the end of the file
    bytesRead += got;
    if (got < n) return false;
    buf.flip();
    return true;
  }

  /** A run inside one file is cut to the distance between its two places, so that they never overlap. */
  private static Match apart(Match m) {
    long distance = Math.abs(m.dstOffset() - m.srcOffset());
    return m.length() <= distance ? m : new Match(m.dstOffset(), m.srcOffset(), distance);
  }

  /** Opens both files for reading (checked to be the ones scanned); false if either is not. */
  private boolean open() throws IndexException {
    if (dstOpen == null) dstOpen = files.open(dstRec, false);
    if (srcOpen == null) srcOpen = dstRec.id().equals(srcRec.id()) ? dstOpen : files.open(srcRec, false);
    return dstOpen != null && srcOpen != null;
  }

  private void closeOpen(boolean dst) {
    ScannedFiles.Open f = dst ? dstOpen : srcOpen;
    if (f != null && (dst ? f != srcOpen : f != dstOpen)) closeQuietly(f);
    if (dst) {
      dstOpen = null;
      dstExtents = null;
    } else {
      srcOpen = null;
      srcExtents = null;
    }
    // the other side may have shared this descriptor (a run inside one file): it keeps it open
  }

  private static void closeQuietly(ScannedFiles.Open f) {
    try {
      f.close();
    } catch (NativeIOException e) {
      // opened read-only: nothing to lose
    }
  }

  @Override
  public void close() {
    if (dstOpen != null) closeQuietly(dstOpen);
    if (srcOpen != null && srcOpen != dstOpen) closeQuietly(srcOpen);
    dstOpen = srcOpen = null;
    dstExtents = srcExtents = null;
  }
}
