package dupex.scanner;

/**
 * Hashes of full blocks by physical address, so a block already hashed this run (a reflinked copy, a snapshot
 * member, a hard-linked or deduped file) is not read again. Open addressing on two long arrays with a fixed
 * capacity: memory stays bounded (16 bytes a slot); once full it stops taking entries.
 */
public final class PhysicalHashCache {
  private final long[] keys;
  private final long[] values;
  private final int mask;
  private final int limit;
  private int size;

  /** @param capacity entries kept at most; 4 Mi entries take 128 MiB */
  public PhysicalHashCache(int capacity) {
    int slots = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) << 1;
    keys = new long[slots];
    values = new long[slots];
    mask = slots - 1;
    limit = Math.max(1, capacity);
  }

  private int slot(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** The hash recorded for a physical address, or {@link FileScan#NO_DATA}. Address 0 is never recorded. */
  public synchronized long get(long physical) {
    if (physical == 0) return FileScan.NO_DATA;
    for (int i = slot(physical); ; i = (i + 1) & mask) {
      if (keys[i] == physical) return values[i];
      if (keys[i] == 0) return FileScan.NO_DATA;
    }
  }

  public synchronized void put(long physical, long hash) {
    if (physical == 0 || hash == FileScan.NO_DATA) return;
    for (int i = slot(physical); ; i = (i + 1) & mask) {
      if (keys[i] == physical) {
        values[i] = hash;
        return;
      }
      if (keys[i] == 0) {
        if (size >= limit) return;
        keys[i] = physical;
        values[i] = hash;
        size++;
        return;
      }
    }
  }

  public synchronized int size() {
    return size;
  }
}
