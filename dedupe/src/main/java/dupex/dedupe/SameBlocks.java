package dupex.dedupe;

import dupex.linux.Extent;
import java.util.ArrayList;
import java.util.List;

/** Which parts of two equal-length file ranges map to the same physical bytes already, from their extent maps. */
final class SameBlocks {
  /** A part of both ranges, {@code offset} bytes from their starts: on the same physical bytes, or not. */
  record Part(long offset, long length, boolean shared) {}

  private SameBlocks() {}

  /** Whether the whole of both ranges maps to the same physical bytes (then a dedupe would only re-compare them). */
  static boolean all(List<Extent> a, long aOffset, List<Extent> b, long bOffset, long length) {
    List<Part> parts = parts(a, aOffset, b, bOffset, length);
    return parts.size() == 1 && parts.get(0).shared();
  }

  /**
   * The ranges [aOffset, aOffset + length) of a file with extents {@code a} and [bOffset, ...) of one with extents
   * {@code b} (each sorted by logical offset), cut where they go from sharing physical bytes to not, in order.
   * Holes, and data whose place on disk FIEMAP does not name (compressed, inline), count as not shared.
   */
  static List<Part> parts(List<Extent> a, long aOffset, List<Extent> b, long bOffset, long length) {
    List<Part> out = new ArrayList<>();
    for (long pos = 0; pos < length; ) {
      Extent x = at(a, aOffset + pos), y = at(b, bOffset + pos);
      boolean shared = x != null && y != null && x.addressable() && y.addressable()
          && x.physical() + (aOffset + pos - x.logical()) == y.physical() + (bOffset + pos - y.logical());
      long step = Math.min(length - pos, Math.min(ahead(a, x, aOffset + pos), ahead(b, y, bOffset + pos)));
      Part last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.shared() == shared) {
        out.set(out.size() - 1, new Part(last.offset(), last.length() + step, shared));
      } else {
        out.add(new Part(pos, step, shared));
      }
      pos += step;
    }
    return out;
  }

  /** The extent holding {@code offset}, or null (a hole). */
  private static Extent at(List<Extent> extents, long offset) {
    int i = search(extents, offset);
    return i >= 0 ? extents.get(i) : null;
  }

  /** Bytes from {@code offset} to the end of its extent {@code e}, or, in a hole, to the next extent (if any). */
  private static long ahead(List<Extent> extents, Extent e, long offset) {
    if (e != null) return e.end() - offset;
    int next = -search(extents, offset) - 1;
    return next < extents.size() ? extents.get(next).logical() - offset : Long.MAX_VALUE;
  }

  /** The index of the extent holding {@code offset}, or -(the index of the first extent after it) - 1. */
  private static int search(List<Extent> extents, long offset) {
    int lo = 0, hi = extents.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Extent e = extents.get(mid);
      if (offset < e.logical()) {
        hi = mid - 1;
      } else if (offset >= e.end()) {
        lo = mid + 1;
      } else {
        return mid;
      }
    }
    return -lo - 1;
  }
}
