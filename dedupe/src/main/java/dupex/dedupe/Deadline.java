package dupex.dedupe;

import java.time.Duration;

/** When a run must start no new work (--max-runtime): a point on the monotonic clock, or none. */
public record Deadline(long nanoTime) {
  public static final Deadline NONE = new Deadline(Long.MAX_VALUE);

  /** {@code budget} from now; NONE for null. */
  public static Deadline after(Duration budget) {
    if (budget == null) return NONE;
    if (budget.isNegative()) throw new IllegalArgumentException("--max-runtime must not be negative");
    long now = System.nanoTime();
    long nanos = budget.compareTo(Duration.ofDays(100_000)) > 0 ? Long.MAX_VALUE - now : budget.toNanos();
    return new Deadline(now + Math.min(nanos, Long.MAX_VALUE - now));
  }

  public boolean passed() {
    return this != NONE && nanoTime != Long.MAX_VALUE && System.nanoTime() - nanoTime > 0;
  }
}
