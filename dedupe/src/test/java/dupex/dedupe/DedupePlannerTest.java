package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dupex.index.BlockIndex;
import dupex.index.IndexSettings;
import dupex.scanner.FileId;
import dupex.scanner.FileScan;
import dupex.scanner.Samples;
import dupex.linux.BytePath;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DedupePlannerTest {
  static final int BS = 4096;
  @TempDir Path dir;

  static FileId id(long inode) {
    return new FileId(7, inode);
  }

  /** A file whose blocks have the given hashes, each on its own physical block, every block an anchor. */
  static FileScan file(long inode, long size, long... hashes) {
    long[] phys = new long[hashes.length];
    for (int i = 0; i < phys.length; i++) phys[i] = (inode << 32) + (long) i * BS;
    return new FileScan(id(inode), List.of(BytePath.of("/r/f" + inode)), size, 1, 1, BS, hashes, phys, everyBlock(hashes, phys));
  }

  /** Samples at every full block after the first (as if the content-defined rule had picked them all). */
  static Samples everyBlock(long[] hashes, long[] physicals) {
    List<Integer> at = new ArrayList<>();
    for (int i = 1; i < hashes.length; i++) if (hashes[i] != FileScan.NO_DATA) at.add(i);
    int[] blocks = new int[at.size()];
    long[] h = new long[at.size()], p = new long[at.size()];
    for (int k = 0; k < blocks.length; k++) {
      blocks[k] = at.get(k);
      h[k] = hashes[blocks[k]];
      p[k] = physicals[blocks[k]];
    }
    return new Samples(blocks, h, p);
  }

  List<DedupeJob> plan(FileScan... files) throws Exception {
    List<DedupeJob> jobs = new ArrayList<>();
    try (BlockIndex index = BlockIndex.open(dir.resolve("idx"), new IndexSettings(BS))) {
      long epoch = index.beginRun();
      for (FileScan f : files) index.put(f, null, epoch);
      try (DedupePlan plan = DedupePlanner.perBlock(index, null, BS).plan()) {
        plan.forEachJob(j -> jobs.add(j));
        totals = plan.totals();
      }
    }
    return jobs;
  }

  PlanTotals totals;

  @Test
  void consecutiveMatchingBlocksBecomeOneRange() throws Exception {
    List<DedupeJob> jobs = plan(file(1, 6 * BS, 1, 2, 3, 4, 5, 6), file(2, 6 * BS, 9, 2, 3, 4, 5, 8));
    assertEquals(List.of(new DedupeJob(id(1), BS, 4 * BS, List.of(new DedupeJob.Dest(id(2), BS)))), jobs);
    assertEquals(4 * BS, totals.duplicateBytes());
    assertEquals(4 * BS, totals.estimatedFreedBytes());
  }

  @Test
  void shiftedDuplicatesKeepTheirOffsets() throws Exception {
    List<DedupeJob> jobs = plan(file(1, 4 * BS, 1, 2, 3, 4), file(2, 5 * BS, 7, 1, 2, 3, 4));
    assertEquals(List.of(new DedupeJob(id(1), 0, 4 * BS, List.of(new DedupeJob.Dest(id(2), BS)))), jobs);
  }

  @Test
  void copiesShareOneSourceInOneJob() throws Exception {
    List<DedupeJob> jobs = plan(file(3, 3 * BS, 1, 2, 3), file(1, 3 * BS, 1, 2, 3), file(2, 3 * BS, 1, 2, 3));
    assertEquals(1, jobs.size());
    assertEquals(id(1), jobs.get(0).src(), "the lowest file is the source for every block");
    assertEquals(List.of(new DedupeJob.Dest(id(2), 0), new DedupeJob.Dest(id(3), 0)), jobs.get(0).dests());
    assertEquals(3 * BS, jobs.get(0).length());
  }

  @Test
  void duplicatesInsideOneFileNeverOverlap() throws Exception {
    // blocks 0..5 all equal: each later block pairs with block 0 (delta grows), no range overlaps its source.
    List<DedupeJob> jobs = plan(file(1, 6 * BS, 5, 5, 5, 5, 5, 5));
    long bytes = 0;
    for (DedupeJob j : jobs) {
      for (DedupeJob.Dest d : j.dests()) {
        boolean overlap = d.offset() < j.srcOffset() + j.length() && j.srcOffset() < d.offset() + j.length();
        assertEquals(false, overlap, j.toString());
        bytes += j.length();
      }
    }
    assertEquals(5 * BS, bytes);
  }

  @Test
  void aRepeatedHalfOfAFileIsOneRange() throws Exception {
    List<DedupeJob> jobs = plan(file(1, 6 * BS, 1, 2, 3, 1, 2, 3));
    assertEquals(List.of(new DedupeJob(id(1), 0, 3 * BS, List.of(new DedupeJob.Dest(id(1), 3 * BS)))), jobs);
  }

  @Test
  void aShortLastBlockOnlyMatchesTheSameLength() throws Exception {
    // Equal hashes imply equal lengths (the hash is seeded with the length): both files end in the same 1000 bytes.
    List<DedupeJob> jobs = plan(file(1, 2 * BS + 1000, 1, 2, 3), file(2, 2 * BS + 1000, 1, 2, 3));
    assertEquals(List.of(new DedupeJob(id(1), 0, 2 * BS + 1000, List.of(new DedupeJob.Dest(id(2), 0)))), jobs);
  }

  @Test
  void largestRangesComeFirst() throws Exception {
    List<DedupeJob> jobs = plan(file(1, 4 * BS, 1, 2, 3, 9), file(2, 4 * BS, 1, 2, 3, 8), file(3, 2 * BS, 9, 7),
        file(4, 2 * BS, 6, 8));
    assertEquals(List.of(3L * BS, (long) BS, (long) BS), jobs.stream().map(DedupeJob::length).toList());
  }

  @Test
  void aCopyInAnExtentSharedWithAnotherFileIsTheSource() throws Exception {
    FileScan a = file(1, 2 * BS, 10, 11), b = file(2, 2 * BS, 10, 11);
    List<DedupeJob> plain = plan(a, b);
    assertEquals(id(1), plain.get(0).src(), "otherwise the lowest file");
    dir = dir.resolve("again");
    long[] marked = b.physicals().clone();
    for (int i = 0; i < marked.length; i++) marked[i] |= FileScan.SHARED_EXTENT; // b's extent is reflinked elsewhere too
    FileScan shared = new FileScan(b.id(), b.paths(), b.size(), 1, 1, BS, b.hashes(), marked, everyBlock(b.hashes(), marked));
    List<DedupeJob> jobs = plan(a, shared);
    assertEquals(1, jobs.size(), jobs.toString());
    assertEquals(id(2), jobs.get(0).src(), "b's extent stays allocated anyway: a is the copy to release");
    assertEquals(2L * BS, totals.duplicateBytes());
  }

  @Test
  void twoFilesLinkedBothWaysAreSharedOneWayOnly() throws Exception {
    // Block 0's group picks file 2 (its block is also file 3's: most shared); block 1's group picks file 1 (lowest).
    FileScan one = file(1, 3 * BS, 10, 11, 12), two = file(2, 3 * BS, 10, 11, 12);
    long[] p3 = {two.physicals()[0]};
    FileScan three = new FileScan(id(3), List.of(BytePath.of("/r/f3")), BS, 1, 1, BS, new long[] {10}, p3, Samples.NONE);
    List<DedupeJob> jobs = plan(one, two, three);
    assertEquals(List.of(new DedupeJob(id(1), 0, 3 * BS, List.of(new DedupeJob.Dest(id(2), 0)))), jobs,
        "never 1 onto 2 and 2 onto 1 over the same bytes");
    assertEquals(3 * BS, totals.duplicateBytes());
  }
}
