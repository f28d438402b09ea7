package dupex.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.scanner.FileId;
import dupex.scanner.Samples;
import java.nio.file.Path;
import java.util.Arrays;
import dupex.linux.BytePath;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecTest {
  @Test
  void fileRecordRoundTrips() {
    FileRecord r = new FileRecord(new FileId(0x803, 123456789L), List.of(BytePath.of("/a/b"), BytePath.of("/c/ü d"), BytePath.of(new byte[] {'/', 'x', (byte) 0xff, '\n'})),
        1 << 20, 11L, 22L, 3, 44L, 131072, 8, true);
    byte[] key = Codec.fileKey(r.id());
    FileRecord back = Codec.fileRecord(key, Codec.fileValue(r));
    assertEquals(r.id(), back.id());
    assertEquals(r.paths(), back.paths());
    assertEquals(List.of(r.size(), r.mtimeNs(), r.ctimeNs(), r.epoch(), r.layoutHash()),
        List.of(back.size(), back.mtimeNs(), back.ctimeNs(), back.epoch(), back.layoutHash()));
    assertEquals(r.blockSize(), back.blockSize());
    assertEquals(r.blockCount(), back.blockCount());
    assertTrue(back.stale());
    long[] hashes = {5, -6, 0, 7, 8, 9, 10, 11};
    Samples samples = new Samples(new int[] {3, 35, 900, 1 << 30}, new long[] {-5, 77, 0, Long.MIN_VALUE}, new long[4]);
    byte[] value = Codec.hashesValue(hashes, samples);
    assertArrayEquals(hashes, Codec.hashes(value, hashes.length));
    Samples again = Codec.samples(value, hashes.length);
    assertArrayEquals(samples.blocks(), again.blocks());
    assertArrayEquals(samples.hashes(), again.hashes());
  }

  @Test
  void blockKeysSortByUnsignedHashThenFileThenBlock() {
    FileId a = new FileId(1, 2), b = new FileId(1, 3);
    byte[][] keys = {
        Codec.blockKey(-1L, a, 0), Codec.blockKey(5, b, 0), Codec.blockKey(5, a, 7 * 4096), Codec.blockKey(5, a, 4096),
        Codec.blockKey(1, b, 9 * 4096)};
    Arrays.sort(keys, Arrays::compareUnsigned);
    assertEquals(1, Codec.blockHash(keys[0]));
    assertEquals(new Posting(a, 4096, 8192, 4096), Codec.posting(keys[1], Codec.blockValue(8192, 4096)));
    assertEquals(new Posting(a, 4096, 8192, 4096, true), Codec.posting(keys[1], Codec.blockValue(8192 | 1, 4096)),
        "bit 0 of a block-aligned address marks a shared extent");
    assertEquals(8, Codec.blockValue(99, 4096).length, "a 4 KiB sample stores no length");
    assertEquals(new Posting(a, 7 * 4096, 0, 10), Codec.posting(keys[2], Codec.blockValue(0, 10)));
    assertEquals(b, Codec.posting(keys[3], Codec.blockValue(0, 1)).file());
    assertEquals(-1L, Codec.blockHash(keys[4]), "unsigned order puts the top bit last");
    assertEquals(Codec.BLOCK_KEY, keys[0].length);
  }

  @Test
  void groupsNeedTwoPlacesNotAllOnOnePhysicalBlock() {
    FileId a = new FileId(1, 2), b = new FileId(1, 3);
    assertTrue(!GroupIterator.worthSharing(List.of(new Posting(a, 0, 100, 4096))));
    assertTrue(!GroupIterator.worthSharing(List.of(new Posting(a, 0, 100, 4096), new Posting(b, 0, 100, 4096))));
    assertTrue(GroupIterator.worthSharing(List.of(new Posting(a, 0, 100, 4096), new Posting(b, 0, 200, 4096))));
    assertTrue(GroupIterator.worthSharing(List.of(new Posting(a, 0, 0, 4096), new Posting(b, 0, 0, 4096))),
        "unknown physical addresses may differ");
  }

  @Test
  void doneKeysGroupByDestinationAndAfterEndsThePrefix() {
    FileId src = new FileId(1, 2), dst = new FileId(1, 9);
    byte[] k = Codec.doneKey(src, 4096, dst, 8192, 131072);
    assertEquals(56, k.length);
    byte[] prefix = Codec.fileKey(dst), end = Codec.after(prefix);
    assertTrue(java.util.Arrays.compareUnsigned(prefix, k) < 0 && java.util.Arrays.compareUnsigned(k, end) < 0, "inside the destination's range");
    assertTrue(java.util.Arrays.compareUnsigned(Codec.doneKey(src, 0, new FileId(1, 10), 0, 1), end) >= 0, "the next file is outside");
    assertEquals(java.util.List.of((byte) 1, (byte) 0), java.util.List.of(Codec.after(new byte[] {0, (byte) 0xff})[0], Codec.after(new byte[] {0, (byte) 0xff})[1]));
  }
}
