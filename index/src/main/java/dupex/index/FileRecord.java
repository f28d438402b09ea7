package dupex.index;

import dupex.scanner.FileId;
import java.nio.file.Path;
import java.util.List;

/**
 * What the index keeps of a file: its paths, the stat it was hashed at, the run (epoch) it was last seen in, a
 * hash of its block layout on disk, and how many blocks it has. Its block hashes are kept apart
 * ({@link BlockIndex#hashes}), so marking an unchanged file seen rewrites a few bytes, not all its hashes.
 */
public record FileRecord(FileId id, List<Path> paths, long size, long mtimeNs, long ctimeNs, long epoch,
                         long layoutHash, int blockSize, int blockCount) {
  public FileRecord {
    paths = List.copyOf(paths);
  }

  public Path path() {
    return paths.get(0);
  }

  FileRecord withEpoch(List<Path> newPaths, long newEpoch, long newLayoutHash) {
    return new FileRecord(id, newPaths, size, mtimeNs, ctimeNs, newEpoch, newLayoutHash, blockSize, blockCount);
  }

  public int blockLength(int blockIndex) {
    return (int) Math.min(blockSize, size - (long) blockIndex * blockSize);
  }
}
