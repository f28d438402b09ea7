package dupex.dedupe;

import dupex.scanner.FileId;
import java.util.List;

/** One source range and every destination range that should share it: one kernel request (split per 120). */
public record DedupeJob(FileId src, long srcOffset, long length, List<Dest> dests) {
  public record Dest(FileId file, long offset) {}

  public DedupeJob {
    dests = List.copyOf(dests);
  }

  public long bytes() {
    return length * dests.size();
  }
}
