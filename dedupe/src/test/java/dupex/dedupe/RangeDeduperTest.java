package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.index.BlockIndex;
import dupex.index.IndexSettings;
import dupex.linux.DedupeNotSupportedException;
import dupex.linux.Errno;
import dupex.linux.Fixtures;
import dupex.scanner.BlockHasher;
import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import dupex.scanner.SkipReason;
import java.nio.ByteBuffer;
import dupex.linux.BytePath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RangeDeduper's and ExtentRewriter's decisions against a fake kernel: no root, no real filesystem. */
class RangeDeduperTest {
  static final int BS = FakeKernel.BLOCK;
  static final BytePath A = BytePath.of("/data/a"), B = BytePath.of("/data/b"), C = BytePath.of("/data/c");
  static final DedupeOptions OPTIONS = new DedupeOptions(DedupeOptions.DEFAULT_ROUND, Deadline.NONE, 3, Duration.ZERO, RewritePolicy.DEFAULT);

  @TempDir Path dir;
  BlockIndex index;
  FakeKernel kernel = new FakeKernel(false);
  final List<String> skips = new ArrayList<>();

  @BeforeEach
  void open() throws Exception {
    index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS));
    assertEquals(1, index.beginRun(), "files are indexed as seen by scan 1");
  }

  @AfterEach
  void close() {
    index.close();
  }

  /** Indexes a fake file as a scan would: its block hashes and physical addresses. */
  void index(BytePath path, byte[] claimed) throws Exception {
    FakeKernel.Node n = kernel.byPath.get(path);
    long[] hashes = new long[n.blocks.length], physicals = new long[n.blocks.length];
    for (int i = 0; i < hashes.length; i++) {
      int len = Math.min(BS, claimed.length - i * BS);
      hashes[i] = BlockHasher.hash(ByteBuffer.wrap(claimed), i * BS, len);
      physicals[i] = n.blocks[i] * BS;
    }
    index.put(new FileScan(id(path), List.of(path), n.data.length, n.mtimeNs, n.ctimeNs, BS, hashes, physicals,
        DedupePlannerTest.everyBlock(hashes, physicals)), null, 1);
  }

  FakeKernel.Node file(BytePath path, byte[] data) throws Exception {
    FakeKernel.Node n = kernel.write(path, data);
    index(path, data);
    return n;
  }

  FileId id(BytePath path) {
    return new FileId(FakeKernel.DEVICE, kernel.byPath.get(path).inode);
  }

  DedupeTotals run(DedupeOptions options) throws Exception {
    DedupePlanner planner = DedupePlanner.perBlock(index, kernel, BS);
    try (DedupePlan plan = planner.plan()) {
      return new RangeDeduper(index, options, new DedupeListener() {
        @Override
        public void skipped(BytePath path, SkipReason reason, String detail) {
          skips.add(reason + " " + path);
        }
      }, kernel, FakeKernel.subvolumes()).run(plan, () -> false);
    }
  }

  @Test
  void copiesShareTheSourcesBlocksInOneCall() throws Exception {
    byte[] data = Fixtures.randomBytes(1, 3 * BS);
    FakeKernel.Node a = file(A, data), b = file(B, data.clone()), c = file(C, data.clone());
    DedupeTotals t = run(OPTIONS);
    assertEquals(6L * BS, t.bytesDeduped());
    assertEquals(1, t.requests(), "one job, two destinations");
    assertArrayEquals(a.blocks, b.blocks);
    assertArrayEquals(a.blocks, c.blocks);
    assertEquals(6L * BS, t.bytesFreed(), "measured from free space");
    assertEquals(0, t.failures());
  }

  @Test
  void rangesAlreadyOnTheSameBlocksCostNoCall() throws Exception {
    byte[] data = Fixtures.randomBytes(2, 2 * BS);
    FakeKernel.Node a = file(A, data), b = file(B, data.clone());
    b.blocks = a.blocks.clone(); // shared since the scan (the index still has the old addresses)
    DedupeTotals t = run(OPTIONS);
    assertEquals(0, kernel.dedupeCalls);
    assertEquals(2L * BS, t.bytesAlreadyShared());
  }

  @Test
  void aDestinationWhoseBytesDifferIsMarkedStaleAndLeftAlone() throws Exception {
    byte[] data = Fixtures.randomBytes(3, 2 * BS);
    file(A, data);
    FakeKernel.Node b = kernel.write(B, Fixtures.randomBytes(4, 2 * BS));
    index(B, data); // the index claims b holds a's bytes: stale, or a hash collision
    long[] blocks = b.blocks.clone();
    DedupeTotals t = run(OPTIONS);
    assertEquals(1, t.rangesDiffered());
    assertEquals(0, t.bytesDeduped());
    assertArrayEquals(blocks, b.blocks);
    assertTrue(index.get(id(B)).orElseThrow().stale(), "hashed again next run");
    assertTrue(skips.contains("CHANGED " + B), skips.toString());
    assertEquals(0, t.failures(), "a file that changed is not a failure");
  }

  @Test
  void aFileChangedSinceItsScanIsNotTouched() throws Exception {
    byte[] data = Fixtures.randomBytes(5, 2 * BS);
    file(A, data);
    file(B, data.clone()).mtimeNs = 99;
    DedupeTotals t = run(OPTIONS);
    assertEquals(0, kernel.dedupeCalls);
    assertTrue(skips.contains("CHANGED " + B), skips.toString());
    assertTrue(index.get(id(B)).orElseThrow().stale());
  }

  @Test
  void busyDestinationsAreRetriedUntilTheSendIsOver() throws Exception {
    byte[] data = Fixtures.randomBytes(6, 2 * BS);
    file(A, data);
    file(B, data.clone());
    kernel.fail(B, Errno.EAGAIN, Errno.EAGAIN);
    DedupeTotals t = run(OPTIONS);
    assertEquals(3, t.requests());
    assertEquals(2L * BS, t.bytesDeduped());
    assertEquals(0, t.failures());
  }

  @Test
  void aDestinationStillBusyAfterTheRetriesIsAFailure() throws Exception {
    byte[] data = Fixtures.randomBytes(7, 2 * BS);
    file(A, data);
    file(B, data.clone());
    kernel.fail(B, Errno.EAGAIN, Errno.EAGAIN, Errno.EAGAIN, Errno.EAGAIN);
    DedupeTotals t = run(OPTIONS);
    assertEquals(4, t.requests(), "the first try and three retries");
    assertEquals(Map.of("EAGAIN", 1L), t.failuresByErrno());
    assertEquals(1, t.failures());
    assertTrue(skips.contains("REFUSED " + B), skips.toString());
  }

  @Test
  void eopnotsuppForADestinationMeansTheFilesystemCannotDedupe() throws Exception {
    byte[] data = Fixtures.randomBytes(8, 2 * BS);
    file(A, data);
    file(B, data.clone());
    kernel.fail(B, Errno.EOPNOTSUPP);
    assertThrows(DedupeNotSupportedException.class, () -> run(OPTIONS));
  }

  @Test
  void anImmutableDestinationIsAFailureAndTheOthersGoOn() throws Exception {
    byte[] data = Fixtures.randomBytes(9, 2 * BS);
    FakeKernel.Node a = file(A, data);
    file(B, data.clone()).immutable = true;
    FakeKernel.Node c = file(C, data.clone());
    DedupeTotals t = run(OPTIONS);
    assertEquals(1, t.filesSkipped());
    assertTrue(skips.contains("IMMUTABLE " + B), skips.toString());
    assertArrayEquals(a.blocks, c.blocks);
  }

  @Test
  void aVanishedSourceDoesNotCostTheCopiesTheirDedupe() throws Exception {
    byte[] data = Fixtures.randomBytes(10, 2 * BS);
    file(A, data);
    file(B, data.clone());
    file(C, data.clone());
    BytePath source = List.of(A, B, C).stream().min((x, y) -> id(x).compareTo(id(y))).orElseThrow();
    kernel.byPath.remove(source);
    List<FakeKernel.Node> left = List.of(A, B, C).stream().filter(p -> p != source).map(kernel.byPath::get).toList();
    DedupeTotals t = run(OPTIONS);
    assertTrue(skips.stream().anyMatch(s -> s.startsWith("VANISHED " + source)), skips.toString());
    assertEquals(0, t.failures(), "a file that went away is not a failure");
    assertEquals(2L * BS, t.bytesDeduped(), "the two copies left are shared with each other");
    assertArrayEquals(left.get(0).blocks, left.get(1).blocks);
  }

  @Test
  void aDeadlineStopsBeforeTheFirstCall() throws Exception {
    byte[] data = Fixtures.randomBytes(11, 2 * BS);
    file(A, data);
    file(B, data.clone());
    DedupeTotals t = run(OPTIONS.withDeadline(new Deadline(System.nanoTime() - 1)));
    assertTrue(t.stoppedByDeadline());
    assertEquals(0, kernel.dedupeCalls);
  }

  /** A 16-block image and a copy edited in blocks 6 and 7, each written as one extent. */
  FakeKernel.Node[] imageAndEditedCopy() throws Exception {
    kernel = new FakeKernel(true);
    byte[] data = Fixtures.randomBytes(12, 16 * BS);
    byte[] edited = data.clone();
    System.arraycopy(Fixtures.randomBytes(13, 2 * BS), 0, edited, 6 * BS, 2 * BS);
    return new FakeKernel.Node[] {file(A, data), file(B, edited)};
  }

  @Test
  void btrfsTheUnsharedRestOfAPartlyDedupedExtentIsCopiedAndSharedBack() throws Exception {
    FakeKernel.Node[] f = imageAndEditedCopy();
    long[] before = f[1].blocks.clone();
    byte[] content = f[1].data.clone();
    DedupeTotals t = run(OPTIONS);
    assertEquals(14L * BS, t.bytesDeduped());
    assertEquals(2L * BS, t.bytesRewritten(), "the two edited blocks were copied");
    assertEquals(1, t.extentsRewritten());
    for (long old : before) assertFalse(contains(f[1].blocks, old), "nothing of the old extent is referenced");
    assertEquals(14L * BS, t.bytesFreed(), "the old 16 blocks went, the 2-block copy came");
    assertArrayEquals(content, f[1].data);
  }

  @Test
  void btrfsWithoutRewritesTheRestStaysWhereItWas() throws Exception {
    FakeKernel.Node[] f = imageAndEditedCopy();
    long[] before = f[1].blocks.clone();
    DedupeTotals t = run(OPTIONS.withRewrites(RewritePolicy.NEVER));
    assertEquals(0, t.bytesRewritten());
    assertEquals(before[6], f[1].blocks[6]);
  }

  @Test
  void btrfsARewriteNeedsFreeSpaceBeyondItsCopy() throws Exception {
    FakeKernel.Node[] f = imageAndEditedCopy();
    // After the dedupe frees 14 blocks, less than the 2-block copy plus the margin is free.
    kernel.capacity = kernel.usedBytes() + ExtentRewriter.SPACE_MARGIN - 15L * BS;
    DedupeTotals t = run(OPTIONS);
    assertEquals(0, t.bytesRewritten());
    assertEquals(1, t.rewritesSkippedNoSpace());
    assertTrue(skips.contains("NO_SPACE " + B), skips.toString());
  }

  @Test
  void btrfsAFileChangedBeforeItsRewriteIsLeftAsItIs() throws Exception {
    FakeKernel.Node[] f = imageAndEditedCopy();
    try (DedupePlan plan = DedupePlanner.perBlock(index, kernel, BS).plan()) {
      DedupeTotals t = new RangeDeduper(index, OPTIONS, new DedupeListener() {
        @Override
        public void skipped(BytePath path, SkipReason reason, String detail) {
          skips.add(reason + " " + path);
        }

        @Override
        public void progress(long done, long total) {
          f[1].mtimeNs = 99; // someone writes to the file after the dedupe, before the rewrite
        }
      }, kernel, FakeKernel.subvolumes()).run(plan, () -> false);
      assertEquals(0, t.extentsRewritten());
      assertTrue(skips.contains("CHANGED " + B), skips.toString());
      assertTrue(index.get(id(B)).orElseThrow().stale());
    }
  }

  static final BytePath X2 = BytePath.of("/data/x2"), Y = BytePath.of("/data/y"), Y2 = BytePath.of("/data/y2"),
      OUTSIDE = BytePath.of("/elsewhere/z");

  /**
   * Two families of a 16-block image, each an image and its reflinked clone; the second image has a block of its
   * own (block 3). The plan moves the second family onto the first, except block 3, which both of its files still
   * use from their shared extent.
   */
  FakeKernel.Node[] twoFamilies() throws Exception {
    kernel = new FakeKernel(true);
    byte[] data = Fixtures.randomBytes(30, 16 * BS), other = data.clone();
    System.arraycopy(Fixtures.randomBytes(31, BS), 0, other, 3 * BS, BS);
    file(A, data);
    kernel.reflink(A, X2);
    index(X2, data);
    FakeKernel.Node y = file(Y, other);
    FakeKernel.Node y2 = kernel.reflink(Y, Y2);
    index(Y2, other);
    return new FakeKernel.Node[] {y, y2};
  }

  DedupeTotals runBtrfs(DedupeOptions options, long[] estimate) throws Exception {
    try (DedupePlan plan = DedupePlanner.btrfs(index, options.rewrites(), kernel, FakeKernel.subvolumes(), DedupeListener.NONE, BS).plan()) {
      estimate[0] = plan.totals().estimatedFreedBytes();
      estimate[1] = plan.totals().pinnedBytes();
      return new RangeDeduper(index, options, new DedupeListener() {
        @Override
        public void skipped(BytePath path, SkipReason reason, String detail) {
          skips.add(reason + " " + path + " " + detail);
        }
      }, kernel, FakeKernel.subvolumes()).run(plan, () -> false);
    }
  }

  @Test
  void btrfsAnExtentAReflinkedCloneStillUsesIsCopiedOnceAndFreed() throws Exception {
    FakeKernel.Node[] y = twoFamilies();
    long old = y[0].blocks[0];
    byte[] before = y[0].data.clone();
    long[] estimate = new long[2];
    DedupeTotals t = runBtrfs(OPTIONS, estimate);
    assertEquals(15L * BS, t.bytesFreed(), "the old 16-block extent went, a 1-block copy came");
    assertEquals(1, t.extentsRewritten());
    assertEquals(BS, t.bytesRewritten(), "block 3, copied once for both files");
    assertEquals(y[0].blocks[3], y[1].blocks[3], "both files use the one copy");
    for (FakeKernel.Node n : y) {
      assertFalse(contains(n.blocks, old + 3), "nothing uses the old extent");
      assertArrayEquals(before, n.data);
    }
    assertEquals(t.bytesFreed(), estimate[0], "the estimate decides as the dedupe does");
    assertEquals(0, estimate[1]);
  }

  @Test
  void btrfsAFileOutsideTheRunPinsTheExtentAndIsNamed() throws Exception {
    FakeKernel.Node[] y = twoFamilies();
    kernel.reflink(Y, OUTSIDE); // never indexed: another subvolume, an excluded path
    long[] estimate = new long[2];
    DedupeTotals t = runBtrfs(OPTIONS, estimate);
    assertEquals(0, t.extentsRewritten());
    assertEquals(1, t.extentsPinned());
    assertEquals(16L * BS, t.bytesPinned());
    assertEquals(0, t.bytesFreed(), "the outside file keeps the whole extent");
    assertEquals(0, estimate[0]);
    assertEquals(16L * BS, estimate[1]);
    int outsideInode = (int) kernel.byPath.get(OUTSIDE).inode;
    assertTrue(skips.stream().anyMatch(s -> s.startsWith("PINNED /data/y") && s.contains("/inode-" + outsideInode)), skips.toString());
    assertEquals(0, t.failures(), "pinned is not a failure");
  }

  private static boolean contains(long[] a, long v) {
    for (long x : a) if (x == v) return true;
    return false;
  }
}
