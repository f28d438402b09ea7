package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.linux.Fixtures;
import dupex.linux.LoopFs;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BtrfsDedupeIT extends DedupeContract {
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
    Run r = dedupe();
    assertEquals(8 * MiB, r.dedupe().bytesDeduped, "only the unshared copy moves");
    assertSameBlocks(original, copy, 0, 8 * MiB);
    assertSameBlocks(original, root.resolve("snap/vm.img"), 0, 8 * MiB);
    assertTrue(r.dedupe().bytesFreed >= 8L * MiB * 95 / 100, "freed " + r.dedupe().bytesFreed);
  }
}
