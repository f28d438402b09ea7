package dupex.index;

import dupex.scanner.FileId;
import java.nio.file.Path;
import java.util.List;

/**
 * What the index keeps of a file: its paths, the stat it was hashed at, the run (epoch) it was last seen in, a
 * hash of its block layout on disk, and its block hashes (so its postings can be removed without reading it).
 */
public record FileRecord(FileId id, List<Path> paths, long size, long mtimeNs, long ctimeNs, long epoch,
                         long layoutHash, int blockSize, long[] hashes) {
  public FileRecord {
    paths = List.copyOf(paths);
  }

  public Path path() {
    return paths.get(0);
  }

  public int blockLength(int blockIndex) {
    return (int) Math.min(blockSize, size - (long) blockIndex * blockSize);
  }
}
