package dupex.scanner;

/**
 * Hashes of full blocks by physical address, so a block already hashed this run (a reflinked copy, a snapshot
 * member, a hard-linked or deduped file) is not read again. Open addressing on two long arrays that double as
 * entries come, up to a fixed capacity: memory stays bounded (at most 32 bytes an entry), a run that records
 * nothing costs nothing, and once full it stops taking entries.
 */
public final class PhysicalHashCache {
  private static final int FIRST_SLOTS = 1 << 12;
  private long[] keys;
  private long[] values;
  private int mask;
  private final int limit;
  private final int maxSlots;
  private int size;

  /** @param capacity entries kept at most; 1 Mi entries take at most 32 MiB */
  public PhysicalHashCache(int capacity) {
    limit = Math.max(1, capacity);
    maxSlots = Integer.highestOneBit(Math.max(16, limit) * 2 - 1) << 1;
    allocate(Math.min(FIRST_SLOTS, maxSlots));
  }

  private void allocate(int slots) {
    keys = new long[slots];
    values = new long[slots];
    mask = slots - 1;
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
        if (2 * (size + 1) > keys.length && keys.length < maxSlots) { // at most half full: probes stay short
          grow();
          put(physical, hash);
          return;
        }
        keys[i] = physical;
        values[i] = hash;
        size++;
        return;
      }
    }
  }

  private void grow() {
    long[] oldKeys = keys, oldValues = values;
    allocate(keys.length * 2);
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldKeys[j] == 0) continue;
      int i = slot(oldKeys[j]);
      while (keys[i] != 0) i = (i + 1) & mask;
      keys[i] = oldKeys[j];
      values[i] = oldValues[j];
    }
  }

  public synchronized int size() {
    return size;
  }
}
