package dupex.scanner;

import dupex.linux.FileStat;
import dupex.linux.BytePath;
import java.util.List;

/** A regular file found by the walk: its identity, what statx said, and every path (hard link) it was found at. */
public record FileEntry(FileId id, FileStat stat, List<BytePath> paths) {
  public FileEntry {
    paths = List.copyOf(paths);
    if (paths.isEmpty()) throw new IllegalArgumentException("a file needs a path");
  }

  public BytePath path() {
    return paths.get(0);
  }

  public long size() {
    return stat.size();
  }
}
