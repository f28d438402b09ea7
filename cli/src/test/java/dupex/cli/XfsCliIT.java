package dupex.cli;

import dupex.linux.LoopFs;

class XfsCliIT extends CliContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.XFS;
  }
}
