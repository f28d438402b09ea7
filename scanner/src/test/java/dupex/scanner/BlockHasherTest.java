package dupex.scanner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dupex.linux.Extent;
import dupex.linux.Fiemap;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockHasherTest {
  static final int BS = 4096;

  @Test
  void physicalAddressOnlyForBlocksWhollyInOneAddressableExtent() {
    List<Extent> extents = List.of(
        new Extent(0, 1_000_000, 2 * BS + 100, 0),            // block 0 whole, block 2 partly
        new Extent(2 * BS + 100, 5_000_000, BS - 100, 0),      // rest of block 2
        new Extent(3 * BS, 9_000_000, BS, Fiemap.EXTENT_ENCODED),
        new Extent(5 * BS, 0, BS, Fiemap.EXTENT_UNWRITTEN));
    long size = 6L * BS;
    long[] physicals = new long[6];
    boolean[] hasData = new boolean[6];
    BlockHasher.layout(extents, size, BS, physicals, hasData);
    assertArrayEquals(new long[] {1_000_000, 1_000_000 + BS, 0, 0, 0, 0}, physicals);
    assertArrayEquals(new boolean[] {true, true, true, true, false, false}, hasData, "hole and preallocation hold no data");
  }

  @Test
  void shortBlocksOnlyMatchTheSameLength() {
    ByteBuffer zeros = ByteBuffer.allocateDirect(2 * BS);
    assertNotEquals(BlockHasher.hash(zeros, 0, BS), BlockHasher.hash(zeros, 0, BS - 1));
    assertEquals(BlockHasher.hash(zeros, 0, BS), BlockHasher.hash(zeros, BS, BS));
  }

  @Test
  void cacheIsBoundedAndIgnoresUnknownAddresses() {
    PhysicalHashCache c = new PhysicalHashCache(3);
    c.put(0, 5);
    for (long p = 1; p <= 10; p++) c.put(p * 4096, p);
    assertEquals(3, c.size());
    assertEquals(1, c.get(4096));
    assertEquals(FileScan.NO_DATA, c.get(10 * 4096));
    assertEquals(FileScan.NO_DATA, c.get(0));
  }
}
