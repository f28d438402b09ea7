package dupex.index;

import dupex.linux.Expected;
import dupex.scanner.FileId;
import dupex.linux.BytePath;
import java.util.List;

/**
 * What the index keeps of a file: its paths, the stat it was hashed at, the run (epoch) that last read its block
 * layout (hashed it, or read its extent map), a hash of that layout, how many blocks it has, and whether it is
 * stale (it changed under a dedupe, so the next scan hashes it again whatever its stat says). Its block hashes are
 * kept apart ({@link BlockIndex#hashes}). A scan that finds a file unchanged does not rewrite its record
 * ({@link BlockIndex#markUnchanged}).
 */
public record FileRecord(FileId id, List<BytePath> paths, long size, long mtimeNs, long ctimeNs, long epoch,
                         long layoutHash, int blockSize, int blockCount, boolean stale) {
  public FileRecord {
    paths = List.copyOf(paths);
  }

  public BytePath path() {
    return paths.get(0);
  }

  /** What reopening the file must find for its hashes to hold. */
  public Expected expected() {
    return new Expected(id.device(), id.inode(), size, mtimeNs, ctimeNs);
  }

  FileRecord withEpoch(List<BytePath> newPaths, long newEpoch, long newLayoutHash) {
    return new FileRecord(id, newPaths, size, mtimeNs, ctimeNs, newEpoch, newLayoutHash, blockSize, blockCount, stale);
  }

  FileRecord asStale() {
    return new FileRecord(id, paths, size, mtimeNs, ctimeNs, epoch, layoutHash, blockSize, blockCount, true);
  }

  public int blockLength(int blockIndex) {
    return (int) Math.min(blockSize, size - (long) blockIndex * blockSize);
  }
}
