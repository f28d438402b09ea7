package dupex.index;

import dupex.linux.LoopFs;

class XfsScanIT extends ScanContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.XFS;
  }
}
