package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dupex.linux.Extent;
import dupex.linux.Fiemap;
import dupex.scanner.FileId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExtentRewriterTest {
  static final long MiB = 1 << 20;
  static final FileId FILE = new FileId(7, 9), OTHER = new FileId(7, 10);

  @Test
  void theUnsharedMiddleOfAMostlyDedupedExtentIsCopied() {
    List<Extent> before = List.of(new Extent(0, 1000 * MiB, 64 * MiB, Fiemap.EXTENT_LAST));
    List<Extent> now = List.of(
        new Extent(0, 5000 * MiB, 28 * MiB, Fiemap.EXTENT_SHARED),
        new Extent(28 * MiB, 1028 * MiB, 8 * MiB, 0),
        new Extent(36 * MiB, 5036 * MiB, 28 * MiB, Fiemap.EXTENT_SHARED | Fiemap.EXTENT_LAST));
    List<ExtentRewriter.Rewrite> r = ExtentRewriter.plan(before, now, 64 * MiB, RewritePolicy.DEFAULT);
    assertEquals(1, r.size());
    assertEquals(List.of(new ExtentRewriter.Piece(28 * MiB, 8 * MiB)), r.get(0).pieces());
    assertEquals(56 * MiB, r.get(0).moved());
  }

  @Test
  void notWorthItBelowTheThreshold() {
    List<Extent> before = List.of(new Extent(0, 1000 * MiB, 64 * MiB, 0));
    List<Extent> now = List.of(new Extent(0, 5000 * MiB, 8 * MiB, Fiemap.EXTENT_SHARED), new Extent(8 * MiB, 1008 * MiB, 56 * MiB, 0));
    assertEquals(0, ExtentRewriter.plan(before, now, 64 * MiB, RewritePolicy.DEFAULT).size(), "8 MiB freed would cost 56 MiB of copies");
    assertEquals(1, ExtentRewriter.plan(before, now, 64 * MiB, RewritePolicy.atLeast(0.1)).size());
  }

  @Test
  void extentsPinnedElsewhereOrUntouchedAreLeftAlone() {
    List<Extent> shared = List.of(new Extent(0, 1000 * MiB, 64 * MiB, Fiemap.EXTENT_SHARED));
    List<Extent> now = List.of(new Extent(0, 5000 * MiB, 60 * MiB, Fiemap.EXTENT_SHARED), new Extent(60 * MiB, 1060 * MiB, 4 * MiB, Fiemap.EXTENT_SHARED));
    assertEquals(0, ExtentRewriter.plan(shared, now, 64 * MiB, RewritePolicy.DEFAULT).size(), "shared before: a snapshot keeps it");
    List<Extent> untouched = List.of(new Extent(0, 1000 * MiB, 64 * MiB, 0));
    assertEquals(0, ExtentRewriter.plan(untouched, untouched, 64 * MiB, RewritePolicy.DEFAULT).size());
    List<Extent> compressed = List.of(new Extent(0, 1000 * MiB, 64 * MiB, Fiemap.EXTENT_ENCODED));
    assertEquals(0, ExtentRewriter.plan(compressed, now, 64 * MiB, RewritePolicy.DEFAULT).size(), "compressed extents are not addressable");
  }

  @Test
  void btrfsEstimateCountsOnlyExtentsThatWillBeFreed() {
    List<Extent> extents = List.of(new Extent(0, 1000 * MiB, 64 * MiB, 0), new Extent(64 * MiB, 2000 * MiB, 64 * MiB, 0),
        new Extent(128 * MiB, 3000 * MiB, 64 * MiB, Fiemap.EXTENT_SHARED));
    List<BtrfsFreedEstimate.Planned> ranges = List.of(new BtrfsFreedEstimate.Planned(0, 56 * MiB, OTHER, 0),
        new BtrfsFreedEstimate.Planned(64 * MiB, 8 * MiB, OTHER, 0), new BtrfsFreedEstimate.Planned(128 * MiB, 64 * MiB, OTHER, 0));
    assertEquals(56 * MiB, BtrfsFreedEstimate.freedIn(FILE, extents, ranges, 192 * MiB, RewritePolicy.DEFAULT));
    assertEquals(64 * MiB, BtrfsFreedEstimate.freedIn(FILE, extents, ranges, 192 * MiB, RewritePolicy.atLeast(0.1)));
    assertEquals(0, BtrfsFreedEstimate.freedIn(FILE, extents, ranges, 192 * MiB, RewritePolicy.NEVER));
  }

  @Test
  void anExtentHoldingItsOwnFilesSourceIsPinned() {
    // A file whose second half repeats its first, in one extent: the second half moves onto the first, which stays.
    List<Extent> before = List.of(new Extent(0, 1000 * MiB, 64 * MiB, 0));
    List<Extent> now = List.of(new Extent(0, 1000 * MiB, 32 * MiB, Fiemap.EXTENT_SHARED),
        new Extent(32 * MiB, 1000 * MiB, 32 * MiB, Fiemap.EXTENT_SHARED));
    assertEquals(0, ExtentRewriter.plan(before, now, 64 * MiB, RewritePolicy.DEFAULT).size());
    assertEquals(0, ExtentRewriter.plan(before, List.of(new Extent(0, 1000 * MiB, 32 * MiB, 0),
        new Extent(32 * MiB, 1000 * MiB, 32 * MiB, 0)), 64 * MiB, RewritePolicy.DEFAULT).size(), "even where FIEMAP does not say shared");
    List<BtrfsFreedEstimate.Planned> selfSourced = List.of(new BtrfsFreedEstimate.Planned(32 * MiB, 32 * MiB, FILE, 0));
    assertEquals(0, BtrfsFreedEstimate.freedIn(FILE, before, selfSourced, 64 * MiB, RewritePolicy.DEFAULT));
  }
}
