package dupex.dedupe;

import dupex.linux.LoopFs;
import org.junit.jupiter.api.Test;

class XfsDedupeIT extends DedupeContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.XFS;
  }

  /** XFS frees per block, so partial duplicates free what they share and the estimate holds for them too. */
  @Test
  void aDryRunEstimateMatchesTheRealRunForPartialDuplicates() throws Exception {
    writeImageAndEditedCopy();
    assertDryRunMatches(20 * MiB);
  }
}
