package dupex.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BtrfsKernelIT extends KernelContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.BTRFS;
  }

  @Test
  void smallFilesAreInlineInMetadata() throws Exception {
    Path f = Fixtures.write(file("small"), Fixtures.randomBytes(20, 1000));
    List<Extent> extents = Fixtures.extents(f);
    assertEquals(1, extents.size());
    assertTrue(extents.get(0).has(Fiemap.EXTENT_DATA_INLINE), extents.toString());
    assertTrue(!extents.get(0).shareable());
  }

  /**
   * A reflinked copy edited in its middle: FIEMAP shows it as extents, but only btrfs's own items say that the copy
   * still uses the original's disk extent twice (a bookend at offset 3 MiB into it), and LOGICAL_INO_V2 lists all
   * three references.
   */
  @Test
  void extentItemsAndEveryReferenceOfADiskExtent() throws Exception {
    Path a = Fixtures.writeRandom(file("a"), 40, 8 * MiB);
    Path b = file("b");
    LoopFs.run(List.of("cp", "--reflink=always", a.toString(), b.toString()));
    Fixtures.write(b, 2 * MiB, Fixtures.randomBytes(41, MiB));
    LoopFs.run(List.of("sync"));
    try (FileHandle fa = FileHandle.open(a); FileHandle fb = FileHandle.open(b)) {
      List<BtrfsTree.FileExtent> ia = BtrfsTree.extents(fa), ib = BtrfsTree.extents(fb);
      assertEquals(1, ia.size(), ia.toString());
      BtrfsTree.FileExtent e = ia.get(0);
      assertEquals(0, e.logical());
      assertEquals(8 * MiB, e.length());
      assertEquals(8 * MiB, e.diskLength());
      assertEquals(0, e.offset());
      assertEquals(BtrfsTree.FileExtent.REGULAR, e.type());
      assertEquals(3, ib.size(), ib.toString());
      assertEquals(List.of(0L, 2L * MiB, 3L * MiB), ib.stream().map(BtrfsTree.FileExtent::logical).toList());
      assertEquals(e.diskBytenr(), ib.get(0).diskBytenr());
      assertEquals(e.diskBytenr(), ib.get(2).diskBytenr(), "the tail still uses the original extent");
      assertEquals(3 * MiB, ib.get(2).offset(), "at 3 MiB into it: a bookend");
      assertEquals(5 * MiB, ib.get(2).length());
      assertTrue(ib.get(1).diskBytenr() != e.diskBytenr(), "the edit is an extent of its own");
      assertEquals(Fixtures.extents(a).get(0).physical(), e.diskBytenr(), "FIEMAP's physical is the disk bytenr (single device)");

      List<BtrfsTree.Reference> refs = BtrfsTree.references(fa, e.diskBytenr());
      long ia0 = fa.stat().inode(), ib0 = fb.stat().inode();
      assertEquals(3, refs.size(), refs.toString());
      assertEquals(1, refs.stream().filter(r -> r.inode() == ia0).count(), refs.toString());
      assertEquals(2, refs.stream().filter(r -> r.inode() == ib0).count(), refs.toString());
      long root = BtrfsTree.subvolume(fa);
      assertEquals(5, root, "the top-level subvolume");
      assertTrue(refs.stream().allMatch(r -> r.root() == root), refs.toString());
    }
  }

  /**
   * A file in a read-only snapshot of a nested subvolume: LOGICAL_INO_V2 finds its reference in the snapshot's tree,
   * each referrer is read back as the item itself, and the snapshot's file is named by its path from the top.
   */
  @Test
  void referrersInASnapshotAreNamedByTheirPath() throws Exception {
    Path sub = fs.root().resolve("vol");
    LoopFs.run(List.of("btrfs", "subvolume", "create", sub.toString()));
    java.nio.file.Files.createDirectories(sub.resolve("d"));
    Path f = Fixtures.writeRandom(sub.resolve("d/img"), 42, 4 * MiB);
    java.nio.file.Files.createDirectories(fs.root().resolve("snaps"));
    LoopFs.run(List.of("btrfs", "subvolume", "snapshot", "-r", sub.toString(), fs.root().resolve("snaps/s1").toString()));
    Fixtures.write(f, MiB, Fixtures.randomBytes(43, MiB)); // the live file moves on; the snapshot keeps the old bytes
    LoopFs.run(List.of("sync"));
    try (FileHandle h = FileHandle.open(f); FileHandle top = FileHandle.openDirectory(fs.root())) {
      long vol = BtrfsTree.subvolume(h);
      BtrfsTree.FileExtent first = BtrfsTree.extents(h).get(0);
      List<BtrfsTree.Referrer> refs = BtrfsTree.referrers(top, first.diskBytenr());
      assertEquals(3, refs.size(), "the live file twice (either side of its edit) and the snapshot's file once: " + refs);
      long snap = refs.stream().mapToLong(BtrfsTree.Referrer::root).filter(r -> r != vol).findFirst().orElseThrow();
      BtrfsTree.Referrer inSnapshot = refs.stream().filter(r -> r.root() == snap).findFirst().orElseThrow();
      assertEquals(4 * MiB, inSnapshot.item().length());
      assertEquals(0, inSnapshot.item().offset());
      assertTrue(refs.stream().filter(r -> r.root() == vol).anyMatch(r -> r.item().offset() == 2 * MiB && r.item().logical() == 2 * MiB), refs.toString());
      assertEquals("vol", new String(BtrfsTree.subvolumePath(top, vol)));
      assertEquals("snaps/s1", new String(BtrfsTree.subvolumePath(top, snap)));
      assertEquals("d/img", new String(BtrfsTree.inodePath(top, snap, inSnapshot.inode())));
      assertEquals(0, BtrfsTree.subvolumePath(top, 5).length);
    }
  }

  @Test
  void compressedItemsSayHowTheyAreStored() throws Exception {
    Path dir = java.nio.file.Files.createDirectory(fs.root().resolve("zstd"));
    LoopFs.run(List.of("btrfs", "property", "set", dir.toString(), "compression", "zstd"));
    Path f = Fixtures.write(dir.resolve("text"), new byte[4 * MiB]); // zeros compress to almost nothing
    LoopFs.run(List.of("sync"));
    try (FileHandle h = FileHandle.open(f)) {
      List<BtrfsTree.FileExtent> items = BtrfsTree.extents(h);
      assertTrue(!items.isEmpty() && items.stream().allMatch(x -> x.compression() != 0), items.toString());
      assertTrue(items.stream().allMatch(x -> x.diskLength() < x.length()), "stored in fewer bytes than it holds: " + items);
      assertEquals(4 * MiB, items.stream().mapToLong(BtrfsTree.FileExtent::length).sum());
    }
  }
}
