package dupex.dedupe;

/**
 * What a plan would do: duplicate groups, ranges, logical bytes to share, the bytes that should be freed, the
 * duplicate bytes already on the same physical blocks, on btrfs the disk bytes of extents that files outside the run
 * keep allocated (pinned), hashes found in so many places that only the first
 * {@link dupex.index.GroupIterator#MAX_MEMBERS} were planned, the bytes read to confirm and grow anchors
 * (both files counted), the files found changed or gone when planning needed to read them (reported), and the
 * extent maps of unchanged files it read to learn where their blocks are now (some twice in a run that found blocks
 * moved). {@code seconds} is the time planning took.
 */
public record PlanTotals(double seconds, long groups, long ranges, long duplicateBytes, long estimatedFreedBytes,
                         long alreadySharedBytes, long pinnedBytes, long truncatedGroups, long bytesRead,
                         long filesSkipped, long layoutsRead) {
  /** Adds up a plan as it is built; {@link #totals} makes the record. */
  static final class Tally {
    long groups, ranges, duplicateBytes, estimatedFreedBytes, alreadySharedBytes, pinnedBytes, truncatedGroups, bytesRead,
        filesSkipped, layoutsRead;

    PlanTotals totals(long startNanos) {
      double seconds = Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0;
      return new PlanTotals(seconds, groups, ranges, duplicateBytes, estimatedFreedBytes, alreadySharedBytes, pinnedBytes,
          truncatedGroups, bytesRead, filesSkipped, layoutsRead);
    }
  }
}
