package dupex.dedupe;

import dupex.scanner.ScanCounters;
import dupex.linux.BytePath;
import java.util.List;

/** Hears a run's phases as they begin and end, besides what it skips and its dedupe progress. */
public interface RunListener extends DedupeListener {
  RunListener NONE = new RunListener() {};

  /** The scan begins; {@code live} counts as it goes. */
  default void scanning(List<BytePath> roots, ScanCounters live) {}

  default void planning() {}

  /** The dedupe pass begins, over this plan. */
  default void deduping(PlanTotals plan) {}

  /** The phase begun last has ended. */
  default void phaseEnded() {}
}
