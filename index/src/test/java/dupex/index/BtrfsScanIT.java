package dupex.index;

import dupex.linux.LoopFs;

class BtrfsScanIT extends ScanContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.BTRFS;
  }
}
