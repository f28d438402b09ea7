package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexSettings;
import dupex.linux.BytePath;
import dupex.linux.Fixtures;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import dupex.scanner.Samples;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How runs are found around anchors and over block hashes, on a fake kernel's files and a 16 KiB block size. */
class MatchExtenderTest {
  static final int BS = 16 * 1024, K4 = 4096;
  @TempDir Path dir;
  BlockIndex index;
  final FakeKernel kernel = new FakeKernel(false);
  MatchExtender extender;

  @BeforeEach
  void open() throws Exception {
    index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS));
    index.beginRun();
    extender = new MatchExtender(index, new ScannedFiles(index, kernel, DedupeListener.NONE, new DedupeCounters()), BS);
  }

  @AfterEach
  void close() {
    extender.close();
    index.close();
  }

  FileRecord file(String name, byte[] data) throws Exception {
    return put(index, name, data, BS);
  }

  FileRecord put(BlockIndex into, String name, byte[] data, int blockSize) throws Exception {
    BytePath path = BytePath.of("/data/" + name);
    FakeKernel.Node n = kernel.write(path, data);
    int blocks = FileScan.blockCount(data.length, blockSize);
    long[] hashes = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      hashes[i] = BlockHasher.hash(ByteBuffer.wrap(data), i * blockSize, (int) Math.min(blockSize, data.length - (long) i * blockSize));
    }
    return into.put(new FileScan(new FileId(FakeKernel.DEVICE, n.inode), List.of(path), data.length, n.mtimeNs, n.ctimeNs, blockSize,
        hashes, new long[blocks], Samples.NONE), null, 1);
  }

  static byte[] with(byte[] into, int at, byte[] what) {
    System.arraycopy(what, 0, into, at, what.length);
    return into;
  }

  @Test
  void anAnchorGrowsToTheRunsTrueEndsInBothFiles() throws Exception {
    byte[] run = Fixtures.randomBytes(1, 40 * 1024);
    FileRecord dst = file("image", with(Fixtures.randomBytes(2, 100 * 1024), 12 * 1024, run));
    FileRecord src = file("alone", with(Fixtures.randomBytes(3, 90 * 1024), 20 * 1024, run));
    assertEquals(new MatchExtender.Match(12 * 1024, 20 * 1024, run.length),
        extender.extend(dst, src, 12 * 1024 + 2 * K4, 20 * 1024 + 2 * K4, K4, true));
    org.junit.jupiter.api.Assertions.assertTrue(extender.bytesRead >= 2L * run.length && extender.bytesRead <= 2L * 100 * 1024,
        "each file's neighbourhood of the anchor, read once: " + extender.bytesRead);
  }

  @Test
  void anAnchorWhoseBytesDifferIsNoMatch() throws Exception {
    FileRecord dst = file("a", Fixtures.randomBytes(4, 64 * 1024)), src = file("b", Fixtures.randomBytes(5, 64 * 1024));
    assertNull(extender.extend(dst, src, 0, 0, K4, true), "a hash collision, or a change since the scan");
    assertEquals(new MatchExtender.Match(K4, 0, K4), extender.extend(dst, src, K4, 0, K4, false),
        "without reading, the anchor is taken as it is");
  }

  @Test
  void aRunReachesTheEndOfBothFilesOnlyThroughAShortLastPieceBothEndIn() throws Exception {
    byte[] tail = Fixtures.randomBytes(6, 3 * K4 + 100);
    FileRecord dst = file("a", with(Fixtures.randomBytes(7, K4 + tail.length), K4, tail));
    FileRecord src = file("b", with(Fixtures.randomBytes(8, 5 * K4 + tail.length), 5 * K4, tail));
    assertEquals(new MatchExtender.Match(K4, 5 * K4, tail.length), extender.extend(dst, src, K4, 5 * K4, K4, true));
    FileRecord longer = file("c", with(Fixtures.randomBytes(9, 9 * K4), 2 * K4, tail));
    assertEquals(new MatchExtender.Match(K4, 2 * K4, 3 * K4), extender.extend(dst, longer, K4, 2 * K4, K4, true),
        "the piece is not at the end of the other file: whole blocks only");
  }

  @Test
  void sameOffsetRunsComeFromBlockHashesAndEditsCostOnly4KiB() throws Exception {
    byte[] data = Fixtures.randomBytes(10, 8 * BS);
    FileRecord a = file("a", data);
    byte[] edited = with(with(data.clone(), BS + K4, Fixtures.randomBytes(11, K4)), 6 * BS, Fixtures.randomBytes(12, BS));
    FileRecord b = file("b", edited);
    assertEquals(List.of(new MatchExtender.Match(0, 0, BS + K4), new MatchExtender.Match(BS + 2 * K4, BS + 2 * K4, 5 * BS - 2 * K4),
        new MatchExtender.Match(7 * BS, 7 * BS, BS)), extender.sameOffsets(b, a, 0, true));
    assertEquals(List.of(new MatchExtender.Match(0, 0, BS), new MatchExtender.Match(2 * BS, 2 * BS, 4 * BS),
        new MatchExtender.Match(7 * BS, 7 * BS, BS)), extender.sameOffsets(b, a, 0, false), "without reading: whole blocks");
    assertEquals(List.of(), extender.sameOffsets(b, a, K4, true), "not a whole number of blocks apart: for anchors");
  }

  /**
   * A clone edited in several blocks in a row: every block is compared, not only those next to a run of equal
   * hashes (the middle one of three was never read), both where the gap is small enough to be read whole and where
   * the equal bytes reaching each block's edge lead into the next.
   */
  @Test
  void editsInSeveralBlocksInARowCostOnlyTheir4KiB() throws Exception {
    for (int edited : new int[] {3, MatchExtender.SMALL_GAP + 2}) {
      byte[] data = Fixtures.randomBytes(20 + edited, 16 * BS);
      byte[] copy = data.clone();
      for (int b = 3; b < 3 + edited; b++) with(copy, b * BS + K4, Fixtures.randomBytes(40 + b, K4));
      FileRecord a = file("a" + edited, data), b = file("b" + edited, copy);
      List<MatchExtender.Match> expected = new java.util.ArrayList<>();
      long from = 0;
      for (int blk = 3; blk < 3 + edited; blk++) {
        expected.add(new MatchExtender.Match(from, from, (long) blk * BS + K4 - from));
        from = (long) blk * BS + 2 * K4;
      }
      expected.add(new MatchExtender.Match(from, from, 16L * BS - from));
      assertEquals(expected, extender.sameOffsets(b, a, 0, true), edited + " blocks in a row");
    }
  }

  /** Blocks larger than the largest read (16 MiB): the buffers grow to a block. */
  @Test
  void aBlockLargerThanTheLargestReadIsComparedWhole() throws Exception {
    int big = 16 << 20;
    try (BlockIndex large = BlockIndex.open(dir.resolve("large"), new IndexSettings(big));
         MatchExtender ex = new MatchExtender(large, new ScannedFiles(large, kernel, DedupeListener.NONE, new DedupeCounters()), big)) {
      large.beginRun();
      byte[] data = Fixtures.randomBytes(30, 2 * big);
      byte[] copy = with(data.clone(), big + (4 << 20), Fixtures.randomBytes(31, K4));
      FileRecord a = put(large, "big-a", data, big), b = put(large, "big-b", copy, big);
      assertEquals(List.of(new MatchExtender.Match(0, 0, big + (4 << 20)),
          new MatchExtender.Match(big + (4 << 20) + K4, big + (4 << 20) + K4, big - (4 << 20) - K4)), ex.sameOffsets(b, a, 0, true));
    }
  }

  @Test
  void aRunInsideOneFileNeverOverlapsItself() throws Exception {
    byte[] block = Fixtures.randomBytes(13, K4);
    byte[] data = Fixtures.randomBytes(14, 20 * K4);
    for (int i = 2; i < 12; i++) with(data, i * K4, block); // ten equal blocks in a row
    FileRecord f = file("repeats", data);
    MatchExtender.Match m = extender.extend(f, f, 5 * K4, 2 * K4, K4, true);
    assertEquals(new MatchExtender.Match(5 * K4, 2 * K4, 3 * K4), m, "cut to the distance between the two places");
  }
}
