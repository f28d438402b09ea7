package dupex.scanner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * An unshared block's address is never looked up: meeting it again in one run means it was freed and reused
   * (a file deleted meanwhile, a copy shared during the scan), and the cached hash is of other bytes.
   */
  @Test
  void anUnsharedBlockIsReadEvenWhenItsAddressIsCached(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    byte[] data = new byte[4 * 128 * 1024];
    new java.util.Random(7).nextBytes(data);
    java.nio.file.Path f = java.nio.file.Files.write(dir.resolve("f"), data);
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    PhysicalHashCache cache = new PhysicalHashCache(1024);
    ScanCounters counters = new ScanCounters();
    try (dupex.linux.FileHandle h = dupex.linux.FileHandle.open(f)) {
      List<Extent> extents = h.extents(true);
      assertTrue(extents.stream().allMatch(e -> e.addressable() && !e.shared()),
          "the temp directory's filesystem maps the file to plain extents");
      for (Extent e : extents) for (long p = 0; p < e.length(); p += 4096) cache.put(e.physical() + p, 12345);
      var stat = h.stat();
      var entry = new FileEntry(new FileId(stat.device(), stat.inode()), stat, List.of(dupex.linux.BytePath.of(f.toString())));
      FileScan scan = new BlockHasher(128 * 1024, cache, counters).hash(entry, h, stat, extents);
      for (long hash : scan.hashes()) assertNotEquals(12345, hash);
      assertEquals(data.length, counters.bytesRead.get(), "every block read");
      assertEquals(0, counters.bytesReused.get());
    }
  }

  static Samples samplesOf(byte[] data) {
    Samples.Builder b = new Samples.Builder();
    ByteBuffer buf = ByteBuffer.allocateDirect(data.length).put(data);
    int pieces = (data.length + Samples.BLOCK - 1) / Samples.BLOCK;
    BlockHasher.hashAndSample(buf, 0, data.length, 0, new long[pieces], ByteBuffer.allocate(pieces * 8), b,
        new BlockHasher.PhysicalCursor(List.of(), data.length));
    return b.build();
  }

  @Test
  void aBlockHashIsTheSameWhetherSampledOrNotAndDependsOnItsPiecesOrder() {
    byte[] data = new byte[128 * 1024];
    new java.util.Random(3).nextBytes(data);
    ByteBuffer buf = ByteBuffer.allocateDirect(data.length).put(data);
    for (int len : new int[] {100, 4096, 4097, 10000, 65536, 128 * 1024}) {
      long[] pieces = new long[32];
      long sampled = BlockHasher.hashAndSample(buf, 0, len, 0, pieces, ByteBuffer.allocate(32 * 8), new Samples.Builder(),
          new BlockHasher.PhysicalCursor(List.of(), len));
      assertEquals(BlockHasher.hash(buf, 0, len), sampled, "length " + len);
    }
    byte[] swapped = data.clone();
    System.arraycopy(data, 0, swapped, 4096, 4096);
    System.arraycopy(data, 4096, swapped, 0, 4096);
    assertNotEquals(BlockHasher.hash(buf, 0, 8192), BlockHasher.hash(ByteBuffer.wrap(swapped), 0, 8192));
    assertNotEquals(BlockHasher.hash(buf, 0, 8192), BlockHasher.hash(buf, 0, 4096));
  }

  @Test
  void theSameContentIsSampledWhereverItSits() {
    byte[] data = new byte[4 << 20];
    new java.util.Random(1).nextBytes(data);
    Samples a = samplesOf(data);
    assertTrue(a.count() > 1024 / 32 / 2 && a.count() < 1024 / 32 * 2, "about one 4 KiB block in 32: " + a.count());
    byte[] shifted = new byte[data.length + 12 * 1024]; // behind 12 KiB of zeros and other bytes, as inside an image
    new java.util.Random(2).nextBytes(shifted);
    java.util.Arrays.fill(shifted, 0, 8192, (byte) 0);
    System.arraycopy(data, 0, shifted, 12 * 1024, data.length);
    Samples b = samplesOf(shifted);
    java.util.Set<Long> inB = new java.util.HashSet<>();
    for (int i = 0; i < b.count(); i++) inB.add(b.hashes()[i] ^ (b.offset(i) - 12 * 1024) * 31);
    for (int i = 0; i < a.count(); i++) assertTrue(inB.contains(a.hashes()[i] ^ a.offset(i) * 31), "sample " + i + " found 12 KiB later");
    for (int i = 0; i < b.count(); i++) assertTrue(b.offset(i) >= 8192, "blocks of zeros are never sampled");
  }

  @Test
  void samplesCarryThePhysicalAddressOfTheirExtent() {
    byte[] data = new byte[1 << 20];
    new java.util.Random(3).nextBytes(data);
    Samples s = samplesOf(data);
    long[] physicals = BlockHasher.samplePhysicals(List.of(new Extent(0, 1L << 30, 1 << 19, Fiemap.EXTENT_SHARED),
        new Extent(1 << 19, 1L << 32, 1 << 19, 0)), data.length, s.blocks());
    for (int i = 0; i < s.count(); i++) {
      long want = s.offset(i) < (1 << 19) ? ((1L << 30) + s.offset(i)) | FileScan.SHARED_EXTENT : (1L << 32) + s.offset(i) - (1 << 19);
      assertEquals(want, physicals[i]);
    }
  }
}
