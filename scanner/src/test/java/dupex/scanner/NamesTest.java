package dupex.scanner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void sortsByUnsignedBytesAsArraysCompareUnsignedDoes() {
    Random r = new Random(7);
    for (int n : new int[] {0, 1, 2, 3, 17, 1000, 20_000}) { // 20,000 names fill several blocks
      List<byte[]> expected = new ArrayList<>();
      java.util.Set<String> unique = new java.util.HashSet<>();
      Names names = new Names();
      while (expected.size() < n) {
        byte[] b = new byte[1 + r.nextInt(n > 1000 ? 40 : n % 5 + 2)];
        for (int i = 0; i < b.length; i++) {
          do b[i] = (byte) (r.nextBoolean() ? 'a' + r.nextInt(3) : r.nextInt(256)); while (b[i] == 0 || b[i] == '/');
        }
        if (!unique.add(Arrays.toString(b))) continue; // a directory's names are unique
        expected.add(b);
        names.add(b);
      }
      expected.sort(Arrays::compareUnsigned); // "a" < "ab" < "a\u00e9": a prefix first, high bytes last
      names.sorted();
      assertEquals(n, names.size());
      for (int i = 0; i < n; i++) assertArrayEquals(expected.get(i), names.get(i), n + " names, at " + i);
    }
  }
}
