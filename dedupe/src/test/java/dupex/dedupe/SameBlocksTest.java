package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Extent;
import dupex.linux.Fiemap;
import java.util.List;
import org.junit.jupiter.api.Test;

class SameBlocksTest {
  static final long K = 4096;

  @Test
  void cutsWhereTheRangesGoFromSharingPhysicalBytesToNot() {
    // a: one extent at 1000K; b: the same bytes for its first 8 blocks, its own for 2, a hole of 2, then a's again
    List<Extent> a = List.of(new Extent(0, 1000 * K, 16 * K, 0));
    List<Extent> b = List.of(new Extent(0, 1000 * K, 8 * K, 0), new Extent(8 * K, 50 * K, 2 * K, 0),
        new Extent(12 * K, 1012 * K, 4 * K, Fiemap.EXTENT_LAST));
    assertEquals(List.of(new SameBlocks.Part(0, 8 * K, true), new SameBlocks.Part(8 * K, 4 * K, false),
        new SameBlocks.Part(12 * K, 4 * K, true)), SameBlocks.parts(a, 0, b, 0, 16 * K));
    assertEquals(List.of(new SameBlocks.Part(0, 2 * K, true)), SameBlocks.parts(a, 6 * K, b, 6 * K, 2 * K));
    assertTrue(SameBlocks.all(a, 0, b, 0, 8 * K));
    assertFalse(SameBlocks.all(a, 0, b, 0, 9 * K));
    assertFalse(SameBlocks.all(a, 0, b, K, 4 * K), "the same extent at other offsets is not the same bytes");
  }

  @Test
  void dataWithoutAPhysicalAddressIsNeverTakenForShared() {
    List<Extent> compressed = List.of(new Extent(0, 1000 * K, 32 * K, Fiemap.EXTENT_ENCODED));
    assertEquals(List.of(new SameBlocks.Part(0, 32 * K, false)), SameBlocks.parts(compressed, 0, compressed, 0, 32 * K));
    assertEquals(List.of(new SameBlocks.Part(0, 4 * K, false)), SameBlocks.parts(List.of(), 0, List.of(), 0, 4 * K), "holes");
  }
}
