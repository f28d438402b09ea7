package dupex.cli;

import dupex.linux.LoopFs;

class BtrfsCliIT extends CliContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.BTRFS;
  }
}
