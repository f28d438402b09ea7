package dupex.scanner;

import java.util.Arrays;

/**
 * One directory's entry names, packed in blocks of 64 KiB, each name followed by a NUL (which no name holds), and
 * sorted by bytes: about 9 bytes an entry beyond the name itself (its NUL, its address, and while sorting, another
 * address), where a byte[] each cost 24 more and a list slot. Blocks are never copied as they fill: a directory of
 * a million entries costs tens of megabytes, not hundreds.
 */
final class Names {
  static final Names NONE = new Names();
  private static final int BLOCK_BITS = 16, BLOCK = 1 << BLOCK_BITS;

  private byte[][] blocks = new byte[1][];
  private int block = -1;
  private int used = BLOCK;
  /** Each name's address: its block, shifted, and its offset there. */
  private int[] starts = new int[8];
  private int count;

  void add(byte[] name) {
    if (name.length + 1 > BLOCK) throw new IllegalArgumentException("a name of " + name.length + " bytes");
    if (used + name.length + 1 > BLOCK) {
      if (++block == blocks.length) blocks = Arrays.copyOf(blocks, blocks.length * 2);
      blocks[block] = new byte[BLOCK];
      used = 0;
    }
    if (count == starts.length) starts = Arrays.copyOf(starts, count + (count >> 1));
    System.arraycopy(name, 0, blocks[block], used, name.length);
    blocks[block][used + name.length] = 0;
    starts[count++] = block << BLOCK_BITS | used;
    used += name.length + 1;
  }

  int size() {
    return count;
  }

  /** The name at {@code i}, a new array. */
  byte[] get(int i) {
    if (i >= count) throw new IndexOutOfBoundsException(i);
    byte[] b = blocks[starts[i] >>> BLOCK_BITS];
    int from = starts[i] & (BLOCK - 1), to = from;
    while (b[to] != 0) to++;
    return Arrays.copyOfRange(b, from, to);
  }

  /** Sorts the names in unsigned byte order (a name before any longer name it begins). */
  Names sorted() {
    int[] tmp = new int[count];
    // bottom-up merge sort of the addresses: no boxing, n log n, names are unique so stability does not matter
    for (int width = 1; width < count; width *= 2) {
      for (int lo = 0; lo < count; lo += 2 * width) {
        int mid = Math.min(lo + width, count), hi = Math.min(lo + 2 * width, count);
        int a = lo, b = mid, o = lo;
        while (a < mid && b < hi) tmp[o++] = compare(starts[a], starts[b]) <= 0 ? starts[a++] : starts[b++];
        while (a < mid) tmp[o++] = starts[a++];
        while (b < hi) tmp[o++] = starts[b++];
      }
      int[] t = starts;
      starts = tmp;
      tmp = t;
    }
    return this;
  }

  /** Compares the names at addresses {@code a} and {@code b}: the NUL ending the shorter one sorts it first. */
  private int compare(int a, int b) {
    byte[] x = blocks[a >>> BLOCK_BITS], y = blocks[b >>> BLOCK_BITS];
    int i = a & (BLOCK - 1), j = b & (BLOCK - 1);
    while (true) {
      int p = x[i++] & 0xff, q = y[j++] & 0xff;
      if (p != q) return p - q;
      if (p == 0) return 0;
    }
  }
}
