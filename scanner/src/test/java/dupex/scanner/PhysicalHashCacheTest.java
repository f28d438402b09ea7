package dupex.scanner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PhysicalHashCacheTest {
  @Test
  void keepsEveryEntryAcrossGrowthAndStopsAtItsCapacity() {
    PhysicalHashCache cache = new PhysicalHashCache(100_000);
    for (long a = 1; a <= 150_000; a++) cache.put(a * 4096, a * 31 + 7);
    assertEquals(100_000, cache.size());
    for (long a = 1; a <= 100_000; a++) assertEquals(a * 31 + 7, cache.get(a * 4096), "address " + a * 4096);
    for (long a = 100_001; a <= 150_000; a++) assertEquals(FileScan.NO_DATA, cache.get(a * 4096));
    cache.put(4096, 5); // an address already known takes its new hash even when full
    assertEquals(5, cache.get(4096));
  }

  @Test
  void addressZeroAndNoDataAreNeverRecorded() {
    PhysicalHashCache cache = new PhysicalHashCache(10);
    cache.put(0, 42);
    cache.put(8192, FileScan.NO_DATA);
    assertEquals(0, cache.size());
    assertEquals(FileScan.NO_DATA, cache.get(0));
    assertEquals(FileScan.NO_DATA, cache.get(8192));
  }
}
