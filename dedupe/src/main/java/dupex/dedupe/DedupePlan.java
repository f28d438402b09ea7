package dupex.dedupe;

import dupex.index.IndexException;
import dupex.index.Spill;
import java.util.ArrayList;
import java.util.List;

/** The ranges to share, largest first, on disk; read back as jobs of one source range and its destinations. */
public final class DedupePlan implements AutoCloseable {
  private final Spill ranges;
  private final PlanTotals totals;

  DedupePlan(Spill ranges, PlanTotals totals) {
    this.ranges = ranges;
    this.totals = totals;
  }

  public PlanTotals totals() {
    return totals;
  }

  /** Receives jobs largest first; returns false to stop. */
  public interface JobVisitor {
    boolean visit(DedupeJob job) throws java.io.IOException;
  }

  /** Visits jobs largest first: ranges with the same source range and length become one job. */
  public void forEachJob(JobVisitor visitor) throws java.io.IOException {
    try (Spill.Cursor c = ranges.cursor()) {
      DupeRange head = null;
      List<DedupeJob.Dest> dests = new ArrayList<>();
      for (; c.valid(); c.next()) {
        DupeRange r = PlanKeys.range(c.key());
        if (head != null && r.src().equals(head.src()) && r.srcOffset() == head.srcOffset() && r.length() == head.length()) {
          dests.add(new DedupeJob.Dest(r.dst(), r.dstOffset()));
          continue;
        }
        if (head != null && !visitor.visit(new DedupeJob(head.src(), head.srcOffset(), head.length(), dests))) return;
        head = r;
        dests = new ArrayList<>();
        dests.add(new DedupeJob.Dest(r.dst(), r.dstOffset()));
      }
      if (head != null) visitor.visit(new DedupeJob(head.src(), head.srcOffset(), head.length(), dests));
    }
  }

  @Override
  public void close() throws IndexException {
    ranges.close();
  }
}
