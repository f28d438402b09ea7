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
}
