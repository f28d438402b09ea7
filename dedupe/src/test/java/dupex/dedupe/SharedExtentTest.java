package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dupex.scanner.FileId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-extent decision that both the btrfs estimate and the rewrite make. */
class SharedExtentTest {
  static final long MiB = 1 << 20;
  static final FileId IMAGE = new FileId(7, 9), CLONE = new FileId(7, 10);

  static SharedExtent.Use use(FileId f, long logical, long length, long extentOffset) {
    return new SharedExtent.Use(f, 5, f == null ? 999 : f.inode(), logical, length, extentOffset);
  }

  static SharedExtent extent(SharedExtent.Use... uses) {
    return new SharedExtent(1 << 30, 64 * MiB, false, List.of(uses));
  }

  @Test
  void anExtentNothingReferencesIsFreedWhole() {
    assertEquals(64 * MiB, extent().fate(RewritePolicy.DEFAULT).freed());
    assertInstanceOf(SharedExtent.Freed.class, extent().fate(RewritePolicy.NEVER));
  }

  @Test
  void whatAReflinkedCopyAndTheImageStillUseIsCopiedOnce() {
    // The image moved away except 8 MiB at 28 MiB; its reflinked clone still uses the same 8 MiB and 4 MiB more.
    SharedExtent e = extent(use(IMAGE, 28 * MiB, 8 * MiB, 28 * MiB), use(CLONE, 100 * MiB, 12 * MiB, 28 * MiB));
    SharedExtent.Fate f = e.fate(RewritePolicy.DEFAULT);
    SharedExtent.Rewrite r = assertInstanceOf(SharedExtent.Rewrite.class, f);
    assertEquals(1, r.live().size());
    assertArrayEquals(new long[] {28 * MiB, 40 * MiB}, r.live().get(0), "the union, not the sum");
    assertEquals(12 * MiB, r.copied());
    assertEquals(52 * MiB, r.freed(), "net of the copy");
  }

  @Test
  void aReferenceOutsideTheRunPinsIt() {
    SharedExtent e = extent(use(IMAGE, 0, 4 * MiB, 0), use(null, 0, 64 * MiB, 0));
    SharedExtent.Pinned p = assertInstanceOf(SharedExtent.Pinned.class, e.fate(RewritePolicy.DEFAULT));
    assertEquals(999, p.by().inode());
    assertEquals(0, p.freed());
  }

  @Test
  void notWorthItBelowTheThreshold() {
    SharedExtent e = extent(use(IMAGE, 0, 56 * MiB, 8 * MiB));
    assertInstanceOf(SharedExtent.Kept.class, e.fate(RewritePolicy.DEFAULT), "8 MiB freed would cost 56 MiB of copies");
    assertEquals(8 * MiB, e.fate(RewritePolicy.atLeast(0.1)).freed());
    assertInstanceOf(SharedExtent.Kept.class, e.fate(RewritePolicy.NEVER));
  }

  @Test
  void compressedExtentsAreFreedOnlyWhenNothingIsLeft() {
    SharedExtent z = new SharedExtent(1 << 30, 20_000, true, List.of(use(IMAGE, 0, 4096, 0)));
    assertInstanceOf(SharedExtent.Kept.class, z.fate(RewritePolicy.atLeast(0)));
    assertEquals(20_000, z.without(IMAGE, 0, 128 * 1024).fate(RewritePolicy.DEFAULT).freed(), "its size on disk");
  }

  @Test
  void plannedRangesAreTakenOutOfTheUses() {
    SharedExtent e = extent(use(IMAGE, 0, 64 * MiB, 0), use(CLONE, 0, 64 * MiB, 0));
    SharedExtent left = e.without(IMAGE, 0, 64 * MiB).without(CLONE, 0, 30 * MiB).without(CLONE, 34 * MiB, 30 * MiB);
    assertEquals(List.of(use(CLONE, 30 * MiB, 4 * MiB, 30 * MiB)), left.uses());
    assertEquals(60 * MiB, left.fate(RewritePolicy.DEFAULT).freed());
    assertEquals(e.uses(), e.without(CLONE, 64 * MiB, MiB).uses(), "a range beside the use takes nothing");
  }

  @Test
  void aRangeOfItsOwnFileThatIsASourceStaysLive() {
    // The second half of a file moved onto its first half, in the same extent: the first half is still referenced
    // twice, the extent is half dead and the rewrite would copy 32 MiB to free 32 MiB.
    SharedExtent e = extent(use(IMAGE, 0, 32 * MiB, 0), use(IMAGE, 32 * MiB, 32 * MiB, 0));
    SharedExtent.Rewrite r = assertInstanceOf(SharedExtent.Rewrite.class, e.fate(RewritePolicy.DEFAULT));
    assertEquals(32 * MiB, r.copied());
  }
}
