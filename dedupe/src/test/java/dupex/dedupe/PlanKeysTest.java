package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dupex.scanner.FileId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlanKeysTest {
  static final FileId A = new FileId(0x803, 5), B = new FileId(0x803, 1L << 40);

  @Test
  void pairsRoundTripAndSortByDestSourceDeltaOffset() {
    PlanKeys.Pair p = new PlanKeys.Pair(B, A, -3 * 4096, 17 * 4096);
    assertEquals(p, PlanKeys.pair(PlanKeys.pair(p.dst(), p.src(), p.delta(), p.dstOffset())));
    assertEquals(PlanKeys.PAIR, PlanKeys.pair(A, B, 0, 0).length);
    List<PlanKeys.Pair> pairs = List.of(new PlanKeys.Pair(B, A, 5, 0), new PlanKeys.Pair(A, B, 2, 9),
        new PlanKeys.Pair(A, B, -2, 9), new PlanKeys.Pair(A, B, -2, 3), new PlanKeys.Pair(A, A, 4, 1));
    List<byte[]> keys = new ArrayList<>();
    for (PlanKeys.Pair x : pairs) keys.add(PlanKeys.pair(x.dst(), x.src(), x.delta(), x.dstOffset()));
    keys.sort(Arrays::compareUnsigned);
    assertEquals(List.of(new PlanKeys.Pair(A, A, 4, 1), new PlanKeys.Pair(A, B, -2, 3), new PlanKeys.Pair(A, B, -2, 9),
        new PlanKeys.Pair(A, B, 2, 9), new PlanKeys.Pair(B, A, 5, 0)), keys.stream().map(PlanKeys::pair).toList(),
        "a negative delta sorts before a positive one");
  }

  @Test
  void foundRunsRoundTripByPlaceInTheDestinationUnsharedFirst() {
    byte[][] keys = {PlanKeys.found(A, 8192, PlanKeys.SHARED, B, 0), PlanKeys.found(A, 8192, 0, B, 4096),
        PlanKeys.found(A, 4096, PlanKeys.WHOLE_FILE, B, 1L << 40)};
    Arrays.sort(keys, Arrays::compareUnsigned);
    assertEquals(new PlanKeys.Found(A, 4096, PlanKeys.WHOLE_FILE, B, 1L << 40, 77), PlanKeys.found(keys[0], PlanKeys.longValue(77)));
    assertEquals(0, PlanKeys.found(keys[1], PlanKeys.longValue(1)).flags());
    assertEquals(PlanKeys.SHARED, PlanKeys.found(keys[2], PlanKeys.longValue(1)).flags());
    assertEquals(PlanKeys.FOUND, keys[0].length);
  }

  @Test
  void rangesRoundTripLargestFirst() {
    DupeRange small = new DupeRange(A, 0, B, 4096, 4096), large = new DupeRange(B, 1L << 33, A, 0, 1L << 30);
    assertEquals(small, PlanKeys.range(PlanKeys.range(small)));
    assertEquals(large, PlanKeys.range(PlanKeys.range(large)));
    assertEquals(PlanKeys.RANGE, PlanKeys.range(small).length);
    byte[][] keys = {PlanKeys.range(small), PlanKeys.range(large)};
    Arrays.sort(keys, Arrays::compareUnsigned);
    assertEquals(large, PlanKeys.range(keys[0]));
  }

  @Test
  void destRangesRoundTrip() {
    byte[] key = PlanKeys.destRange(B, 1L << 35);
    assertEquals(B, PlanKeys.destFile(key));
    assertEquals(new BtrfsFreedEstimate.Planned(1L << 35, 123456, A, 8192),
        PlanKeys.planned(key, PlanKeys.destValue(123456, A, 8192)));
  }
}
