package dupex.linux;

/** One destination of a dedupe call: an open file and the offset in it that should match the source range. */
public record DedupeTarget(OpenFile file, long offset) {
  public DedupeTarget {
    if (offset < 0) throw new IllegalArgumentException("negative offset " + offset);
  }
}
