package dupex.dedupe;

import dupex.linux.Expected;
import dupex.linux.FileHandle;
import dupex.linux.FsStat;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.linux.ScratchFile;
import dupex.linux.TempFile;
import java.nio.file.Path;
import java.util.List;

/**
 * The system calls dedupe makes besides those on an open file: reopening a scanned file, creating a scratch copy,
 * and measuring free space. {@link #LINUX} makes them; unit tests put a fake in its place.
 */
interface Kernel {
  /** Opens a scanned file at the first of its paths that still names it, unchanged ({@link FileHandle#reopen}). */
  Reopened<? extends OpenFile> reopen(List<Path> paths, Expected expected);

  /** An unnamed scratch file in {@code dir} (O_TMPFILE): never visible, gone when closed or killed. */
  ScratchFile scratch(Path dir) throws NativeIOException;

  /** The filesystem holding {@code dir}, after writing it out (syncfs): on btrfs that commits what frees extents. */
  FsStat syncedFsStat(Path dir) throws NativeIOException;

  Kernel LINUX = new Kernel() {
    @Override
    public Reopened<FileHandle> reopen(List<Path> paths, Expected expected) {
      return FileHandle.reopen(paths, expected);
    }

    @Override
    public ScratchFile scratch(Path dir) throws NativeIOException {
      return TempFile.create(dir);
    }

    @Override
    public FsStat syncedFsStat(Path dir) throws NativeIOException {
      try (FileHandle h = FileHandle.openDirectory(dir)) {
        h.syncFilesystem();
        return h.fsStat();
      }
    }
  };
}
