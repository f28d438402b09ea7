package dupex.dedupe;

import dupex.linux.LoopFs;

class XfsDedupeIT extends DedupeContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.XFS;
  }
}
