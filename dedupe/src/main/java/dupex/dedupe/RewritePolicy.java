package dupex.dedupe;

/**
 * btrfs frees an extent only when none of it is referenced: when to copy the unshared rest of a partly deduped
 * extent into a new one, so the old extent is freed. Worth it when the bytes freed are at least {@code threshold}
 * times the bytes copied; never when not {@code enabled}.
 */
public record RewritePolicy(boolean enabled, double threshold) {
  public static final RewritePolicy NEVER = new RewritePolicy(false, 1);
  public static final RewritePolicy DEFAULT = atLeast(1);

  public RewritePolicy {
    if (!(threshold >= 0) || Double.isInfinite(threshold)) throw new IllegalArgumentException("--rewrite-threshold must be a number, 0 or more");
  }

  public static RewritePolicy atLeast(double threshold) {
    return new RewritePolicy(true, threshold);
  }

  /** Whether copying {@code copied} bytes to free {@code freed} is worth it. */
  boolean worthIt(long freed, long copied) {
    return enabled && freed >= threshold * copied;
  }
}
