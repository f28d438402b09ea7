package dupex.linux;

class XfsKernelIT extends KernelContract {
  @Override
  protected LoopFs.Kind kind() {
    return LoopFs.Kind.XFS;
  }
}
