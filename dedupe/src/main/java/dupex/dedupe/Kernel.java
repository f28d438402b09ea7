package dupex.dedupe;

import dupex.linux.BtrfsTree;
import dupex.linux.BytePath;
import dupex.linux.Expected;
import dupex.linux.FileHandle;
import dupex.linux.FsStat;
import dupex.linux.NativeIOException;
import dupex.linux.OpenFile;
import dupex.linux.Reopened;
import dupex.linux.Root;
import dupex.linux.ScratchFile;
import java.util.List;

/**
 * The system calls dedupe makes besides those on an open file, all confined to the run's roots: reopening a
 * scanned file, creating a scratch copy, measuring free space, and on btrfs reading who references an extent. {@link #linux} makes them; unit tests put a
 * fake in its place.
 */
interface Kernel {
  /** Opens a scanned file at the first of its paths below the roots that still names it, unchanged ({@link Root#reopen}). */
  Reopened<? extends OpenFile> reopen(List<BytePath> paths, Expected expected);

  /** An unnamed scratch file in {@code dir} (O_TMPFILE): never visible, gone when closed or killed. */
  ScratchFile scratch(BytePath dir) throws NativeIOException;

  /** The filesystem holding the roots, after writing it out (syncfs): on btrfs that commits what frees extents. */
  FsStat syncedFsStat() throws NativeIOException;

  /**
   * The filesystem once its free space has settled: XFS frees the blocks of shared extents in the background
   * after the calls return, so statfs is read (after syncfs) every 100 ms until two readings agree, for at most
   * 5 seconds.
   */
  default FsStat settledFsStat() throws NativeIOException {
    FsStat last = syncedFsStat();
    for (int i = 0; i < 50; i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return last;
      }
      FsStat now = syncedFsStat();
      if (now.freeBytes() == last.freeBytes()) return now;
      last = now;
    }
    return last;
  }

  /** btrfs: an open file's EXTENT_DATA items, in file order ({@link BtrfsTree#extents}). */
  List<BtrfsTree.FileExtent> items(OpenFile file) throws NativeIOException;

  /** btrfs: every item, in any subvolume, referencing the disk extent at {@code diskBytenr} ({@link BtrfsTree#referrers}). */
  List<BtrfsTree.Referrer> referrers(long diskBytenr) throws NativeIOException;

  /** btrfs: a path naming inode {@code inode} of subvolume {@code root}, from the top-level subvolume, for messages. */
  BytePath describe(long root, long inode) throws NativeIOException;

  /** The real thing, for a run on {@code roots} (open; the caller closes them). */
  static Kernel linux(List<Root> roots) {
    if (roots.isEmpty()) throw new IllegalArgumentException("a run needs a root");
    List<Root> all = List.copyOf(roots);
    return new Kernel() {
      @Override
      public Reopened<FileHandle> reopen(List<BytePath> paths, Expected expected) {
        return Root.reopen(all, paths, expected);
      }

      @Override
      public ScratchFile scratch(BytePath dir) throws NativeIOException {
        Root root = Root.holding(all, dir);
        if (root == null) {
          for (Root r : all) if (r.directory().path().equals(dir)) root = r; // a file root's own directory
        }
        if (root == null) throw new IllegalArgumentException("not below the run's roots: " + dir);
        return root.scratch(dir);
      }

      @Override
      public List<BtrfsTree.FileExtent> items(OpenFile file) throws NativeIOException {
        return BtrfsTree.extents((FileHandle) file);
      }

      @Override
      public List<BtrfsTree.Referrer> referrers(long diskBytenr) throws NativeIOException {
        return all.get(0).directory().btrfsReferrers(diskBytenr);
      }

      @Override
      public BytePath describe(long root, long inode) throws NativeIOException {
        return all.get(0).directory().btrfsPath(root, inode);
      }

      @Override
      public FsStat syncedFsStat() throws NativeIOException {
        all.get(0).directory().syncFilesystem();
        return all.get(0).directory().fsStat();
      }
    };
  }
}
