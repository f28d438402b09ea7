package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BtrfsDedupeIT extends DedupeContract {
  /** A 64 MiB image written as one extent and a copy whose middle 8 MiB differ. */
  Path[] imageAndCopyWithEditedMiddle() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a.img"), 30, 64 * MiB);
    byte[] b = java.nio.file.Files.readAllBytes(a);
    System.arraycopy(Fixtures.randomBytes(31, 8 * MiB), 0, b, 28 * MiB, 8 * MiB);
    Path copy = Fixtures.write(root.resolve("b.img"), b);
    assertEquals(1, Fixtures.extents(copy).size(), "written as one extent");
    return new Path[] {a, copy};
  }

  @Test
  void partialDuplicatesFreeTheirWholeExtent() throws Exception {
    Path[] f = imageAndCopyWithEditedMiddle();
    long freeBefore = fs.freeBytes();
    RunResult r = dedupe();
    long freed = fs.freeBytes() - freeBefore;
    assertEquals(56 * MiB, r.dedupe().bytesDeduped());
    assertEquals(8 * MiB, r.dedupe().bytesRewritten(), "the edited middle was copied into a new extent");
    assertEquals(1, r.dedupe().extentsRewritten());
    assertTrue(freed >= 56L * MiB * 90 / 100, "freed " + freed + " of 56 MiB duplicated");
    assertSameBlocks(f[0], f[1], 0, 28 * MiB);
    assertSameBlocks(f[0], f[1], 36 * MiB, 28 * MiB);
    try (var files = java.nio.file.Files.list(root)) {
      assertEquals(2, files.count(), "no temporary file is left in the directory");
    }
  }

  /**
   * A defragmentation unshares copies and leaves their stat as it was, so the recorded layouts still say shared.
   * Each file's layout is checked within {@link DedupePlanner#LAYOUT_CHECK_RUNS} runs, and the run that finds blocks
   * moved reads every grouped file's: it shares both copies again.
   */
  @Test
  void copiesADefragmentationUnsharedAreSharedAgainWithinEightRuns() throws Exception {
    Path a = Fixtures.writeRandom(root.resolve("a"), 50, 4 * MiB), b = Fixtures.writeRandom(root.resolve("b"), 50, 4 * MiB);
    Path c = Fixtures.writeRandom(root.resolve("c"), 51, 4 * MiB), d = Fixtures.writeRandom(root.resolve("d"), 51, 4 * MiB);
    assertUnshared(a, b, c, d);
    assertEquals(8 * MiB, dedupe().dedupe().bytesDeduped());
    Object ctimeB = java.nio.file.Files.getAttribute(b, "unix:ctime"), ctimeD = java.nio.file.Files.getAttribute(d, "unix:ctime");
    // A defragmentation may stop after a part (here it rewrote 256 KiB at a time): until the copies are unshared.
    for (int i = 0; i < 64 && Fixtures.sharedBytes(b) + Fixtures.sharedBytes(d) > 0; i++) {
      LoopFs.run(List.of("btrfs", "filesystem", "defragment", "-f", "-czstd", b.toString(), d.toString()));
    }
    assertUnshared(b, d);
    assertEquals(ctimeB, java.nio.file.Files.getAttribute(b, "unix:ctime"), "a defragmentation leaves the stat as it was");
    assertEquals(ctimeD, java.nio.file.Files.getAttribute(d, "unix:ctime"));
    RunResult r;
    int runs = 0;
    do {
      r = dedupe();
      runs++;
    } while (r.dedupe().bytesDeduped() == 0 && runs < DedupePlanner.LAYOUT_CHECK_RUNS);
    assertEquals(8 * MiB, r.dedupe().bytesDeduped(), "after " + runs + " runs, both copies shared again");
    assertEquals(8 * MiB, r.plan().duplicateBytes());
    assertSameBlocks(a, b, 0, 4 * MiB);
    assertSameBlocks(c, d, 0, 4 * MiB);
  }

  @Test
  void withoutRewritesTheExtentStaysAllocated() throws Exception {
    imageAndCopyWithEditedMiddle();
    before = Fixtures.checksums(fs.root());
    long freeBefore = fs.freeBytes();
    RunResult r = run(false, DedupeOptions.defaults().withRewrites(RewritePolicy.NEVER));
    assertEquals(56 * MiB, r.dedupe().bytesDeduped());
    assertEquals(0, r.dedupe().bytesRewritten());
    assertTrue(fs.freeBytes() - freeBefore < 8 * MiB, "bookended: little is freed");
    assertEquals(0, r.plan().estimatedFreedBytes(), "and the estimate knew it");
    assertEquals(before, Fixtures.checksums(fs.root()));
  }

  @Test
  void aFileChangedBeforeItsRewriteIsLeftIntact() throws Exception {
    Path[] f = imageAndCopyWithEditedMiddle();
    RunResult r = run(Pipeline.Mode.DEDUPE, DedupeOptions.defaults(), new Recorder() {
      @Override
      public void progress(long done, long total) {
        // after the last job, before the rewrite: someone writes to the copy
        if (done == total) {
          try {
            Fixtures.write(f[1], 30 * MiB, new byte[] {1, 2, 3});
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }
      }
    });
    assertEquals(0, r.dedupe().bytesRewritten());
    assertTrue(skips.stream().anyMatch(s -> s.startsWith("CHANGED " + f[1] + " ")), skips.toString());
    byte[] now = java.nio.file.Files.readAllBytes(f[1]);
    assertEquals(1, now[30 * MiB]);
    assertEquals(3, now[30 * MiB + 2]);
  }

  @Test
  void aDiskTooFullForTheCopySkipsTheExtentWithAMessage() throws Exception {
    imageAndCopyWithEditedMiddle();
    // Leave less free space than the 8 MiB copy plus its margin.
    long free = dupex.linux.Linux.statfs(fs.root()).availableBytes();
    Fixtures.writeRandom(fs.root().resolve("filler"), 40, free - 40 * MiB);
    RunResult r = dedupe();
    assertEquals(56 * MiB, r.dedupe().bytesDeduped());
    assertEquals(0, r.dedupe().bytesRewritten());
    assertEquals(1, r.dedupe().rewritesSkippedNoSpace());
    assertTrue(skips.stream().anyMatch(s -> s.startsWith("NO_SPACE " + root.resolve("b.img"))), skips.toString());
  }

  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.BTRFS;
  }

  @Test
  void aReadOnlySnapshotMemberIsTheSourceSoSpaceIsFreed() throws Exception {
    Path sub = root.resolve("sub");
    LoopFs.run(List.of("btrfs", "subvolume", "create", sub.toString()));
    Path original = Fixtures.writeRandom(sub.resolve("vm.img"), 21, 8 * MiB);
    LoopFs.run(List.of("btrfs", "subvolume", "snapshot", "-r", sub.toString(), root.resolve("snap").toString()));
    Path copy = Fixtures.writeRandom(root.resolve("copy.img"), 21, 8 * MiB);
    assertEquals(0, Fixtures.sharedBytes(copy));
    RunResult r = dedupe();
    assertEquals(8 * MiB, r.dedupe().bytesDeduped(), "only the unshared copy moves");
    assertSameBlocks(original, copy, 0, 8 * MiB);
    assertSameBlocks(original, root.resolve("snap/vm.img"), 0, 8 * MiB);
    assertTrue(r.dedupe().bytesFreed() >= 8L * MiB * 95 / 100, "freed " + r.dedupe().bytesFreed());
  }

  /**
   * Two families of a 32 MiB VM image: a template and two reflinked clones of it, and the same image written again
   * with one 128 KiB block of its own, in a subvolume, and a read-only snapshot of that subvolume. The plan moves the
   * second family onto the first except that block, which the image and the snapshot's image both still use from
   * their 32 MiB extent. Returns the second image, and where the snapshot's copy of it is.
   */
  Path[] twoFamilies(Path snapshot) throws Exception {
    Path template = Fixtures.writeRandom(root.resolve("template.img"), 50, 32 * MiB);
    for (String clone : List.of("clone1.img", "clone2.img")) {
      LoopFs.run(List.of("cp", "--reflink=always", template.toString(), root.resolve(clone).toString()));
    }
    byte[] bytes = java.nio.file.Files.readAllBytes(template);
    System.arraycopy(Fixtures.randomBytes(51, BS), 0, bytes, 10 * MiB, BS);
    Path vol = root.resolve("vol");
    LoopFs.run(List.of("btrfs", "subvolume", "create", vol.toString()));
    Path image = Fixtures.write(vol.resolve("b.img"), bytes);
    assertUnshared(image);
    java.nio.file.Files.createDirectories(snapshot.getParent());
    LoopFs.run(List.of("btrfs", "subvolume", "snapshot", "-r", vol.toString(), snapshot.toString()));
    return new Path[] {image, snapshot.resolve("b.img")};
  }

  @Test
  void anExtentAReadOnlySnapshotAlsoUsesIsFreedWhenEveryReferenceMoves() throws Exception {
    Path[] b = twoFamilies(root.resolve("snap"));
    RunResult dry = run(true, DedupeOptions.defaults());
    long freeBefore = fs.freeBytes();
    RunResult r = dedupe();
    long freed = fs.freeBytes() - freeBefore;
    assertEquals(0, r.failures(), skips.toString());
    assertEquals(2 * (32L * MiB - BS), r.dedupe().bytesDeduped(), "the image and the snapshot's image (read-only) moved");
    assertEquals(1, r.dedupe().extentsRewritten(), r.dedupe() + " " + skips);
    assertEquals(BS, r.dedupe().bytesRewritten(), "the block of its own, copied once for both files");
    assertSameBlocks(b[0], b[1], 0, 32 * MiB);
    assertTrue(freed >= (32L * MiB - BS) * 95 / 100, "freed " + freed + " of the 32 MiB extent");
    assertEquals(0, dry.plan().pinnedBytes());
    long estimate = dry.plan().estimatedFreedBytes();
    assertTrue(Math.abs(estimate - freed) <= estimate * 5 / 100, "estimate " + estimate + " vs freed " + freed);
  }

  @Test
  void aSnapshotOutsideTheRootsPinsTheExtentAndIsNamed() throws Exception {
    Path[] b = twoFamilies(fs.root().resolve("snaps/s1"));
    RunResult dry = run(true, DedupeOptions.defaults());
    long freeBefore = fs.freeBytes();
    RunResult r = dedupe();
    long freed = fs.freeBytes() - freeBefore;
    assertEquals(0, r.failures(), skips.toString());
    assertEquals(32L * MiB - BS, r.dedupe().bytesDeduped(), "the image moved; the snapshot was not scanned");
    assertEquals(0, r.dedupe().extentsRewritten());
    assertEquals(1, r.dedupe().extentsPinned());
    assertEquals(32L * MiB, r.dedupe().bytesPinned());
    assertTrue(freed < MiB, "the snapshot keeps the whole extent: freed " + freed);
    assertTrue(skips.stream().anyMatch(s -> s.startsWith("PINNED " + b[0] + " ") && s.contains("/snaps/s1/b.img")), skips.toString());
    assertEquals(32L * MiB, dry.plan().pinnedBytes(), "the report says what stays and why");
    assertTrue(dry.plan().estimatedFreedBytes() < MiB, "and does not promise it: " + dry.plan().estimatedFreedBytes());
  }

  /**
   * Compressed extents have no physical address FIEMAP can compare, so a range the kernel already shares looked
   * new on every run: the kernel's SAME is remembered with both files' state, and a rerun makes no call until a
   * file changes.
   */
  @Test
  void aRerunOverCompressedCopiesMakesNoCall() throws Exception {
    Path dir = java.nio.file.Files.createDirectory(root.resolve("zstd"));
    LoopFs.run(List.of("btrfs", "property", "set", dir.toString(), "compression", "zstd"));
    byte[] text = new byte[6 * MiB];
    byte[] words = "dedupe shares identical blocks between files; ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < text.length; i++) text[i] = i % 4096 == 0 ? (byte) random.nextInt() : words[i % words.length];
    Path x = Fixtures.write(dir.resolve("x"), text), y = Fixtures.write(dir.resolve("y"), text);
    LoopFs.run(List.of("sync"));
    assertTrue(Fixtures.extents(x).stream().allMatch(e -> e.has(dupex.linux.Fiemap.EXTENT_ENCODED)), "compressed");
    assertUnshared(x, y);

    RunResult first = dedupe();
    assertEquals(6L * MiB, first.dedupe().bytesDeduped());
    assertTrue(first.dedupe().requests() > 0);
    RunResult again = dedupe();
    assertEquals(0, again.dedupe().requests(), "nothing changed: no call");
    assertEquals(0, again.plan().duplicateBytes(), "nor is anything reported left to share");
    assertEquals(6L * MiB, again.plan().alreadySharedBytes());

    Fixtures.write(dir.resolve("y"), text); // rewritten with the same bytes: new extents, new mtime
    RunResult changed = dedupe();
    assertTrue(changed.dedupe().requests() > 0, "a changed file is deduped again");
    assertEquals(6L * MiB, changed.dedupe().bytesDeduped());
  }
}
