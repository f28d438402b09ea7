package dupex.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dupex.dedupe.DedupeCounters;
import dupex.dedupe.PlanTotals;
import dupex.scanner.ScanCounters;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a command did on one filesystem: scan counters, the plan's totals, dedupe counters, report details. */
final class FsRun {
  record Place(Path path, long offset) {}

  record Range(long length, Place source, List<Place> destinations) {}

  record DirBytes(Path dir, long bytes) {}

  final Filesystems.Group group;
  final Path index;
  final ScanCounters scan = new ScanCounters();
  boolean scanComplete = true;
  double scanSeconds, planSeconds, dedupeSeconds;
  PlanTotals plan;
  DedupeCounters dedupe;
  final List<Range> largest = new ArrayList<>();
  final List<DirBytes> directories = new ArrayList<>();

  FsRun(Filesystems.Group group, Path index) {
    this.group = group;
    this.index = index;
  }

  long failures() {
    return scan.failures() + (dedupe == null ? 0 : dedupe.failures());
  }

  /** One line for logs and cron mail. */
  String summaryLine() {
    StringBuilder b = new StringBuilder();
    b.append(group.roots().size() == 1 ? group.roots().get(0).toString() : group.roots().toString())
        .append(" (").append(group.fsStat().typeName()).append("): scanned ").append(scan.filesSeen.get()).append(" files, ")
        .append(Units.bytes(scan.bytesSeen.get())).append(" (read ").append(Units.bytes(scan.bytesRead.get()))
        .append(", ").append(scan.filesUnchanged.get()).append(" unchanged)");
    if (plan != null && dedupe == null) {
      b.append("; ").append(Units.bytes(plan.dupeBytes())).append(" duplicate in ").append(plan.ranges())
          .append(" ranges, about ").append(Units.bytes(plan.estimatedFreedBytes())).append(" could be freed");
    }
    if (dedupe != null) {
      b.append("; deduped ").append(Units.bytes(dedupe.bytesDeduped)).append(" in ").append(dedupe.jobs)
          .append(" jobs (").append(dedupe.requests).append(" requests); freed ").append(Units.bytes(dedupe.bytesFreed));
      if (dedupe.bytesRewritten > 0) b.append(" (rewrote ").append(Units.bytes(dedupe.bytesRewritten)).append(" to free whole extents)");
      if (dedupe.stoppedByDeadline) b.append("; stopped at --max-runtime");
    }
    long failed = failures();
    if (failed > 0) b.append("; ").append(failed).append(failed == 1 ? " failure" : " failures");
    return b.toString();
  }

  ObjectNode toJson(ObjectMapper json) {
    ObjectNode n = json.createObjectNode();
    n.put("filesystem", group.key());
    n.put("type", group.fsStat().typeName());
    ArrayNode roots = n.putArray("roots");
    group.roots().forEach(r -> roots.add(r.toString()));
    n.put("index", index.toString());
    ObjectNode s = n.putObject("scan");
    s.put("complete", scanComplete);
    s.put("seconds", Math.round(scanSeconds * 1000) / 1000.0);
    s.put("filesSeen", scan.filesSeen.get());
    s.put("filesHashed", scan.filesHashed.get());
    s.put("filesUnchanged", scan.filesUnchanged.get());
    s.put("filesRemoved", scan.filesRemoved.get());
    s.put("bytesSeen", scan.bytesSeen.get());
    s.put("bytesRead", scan.bytesRead.get());
    s.put("bytesReused", scan.bytesReused.get());
    ObjectNode skipped = s.putObject("skipped");
    scan.skippedByReason().forEach((r, c) -> skipped.put(r.name().toLowerCase(), c));
    if (plan != null) {
      ObjectNode p = n.putObject("plan");
      p.put("seconds", Math.round(planSeconds * 1000) / 1000.0);
      p.put("groups", plan.groups());
      p.put("ranges", plan.ranges());
      p.put("duplicateBytes", plan.dupeBytes());
      p.put("estimatedFreedBytes", plan.estimatedFreedBytes());
      p.put("alreadySharedBytes", plan.alreadySharedBytes());
    }
    if (dedupe != null) {
      ObjectNode d = n.putObject("dedupe");
      d.put("seconds", Math.round(dedupeSeconds * 1000) / 1000.0);
      d.put("jobs", dedupe.jobs);
      d.put("requests", dedupe.requests);
      d.put("bytesDeduped", dedupe.bytesDeduped);
      d.put("bytesFreed", dedupe.bytesFreed);
      d.put("bytesAlreadyShared", dedupe.bytesAlreadyShared);
      d.put("bytesRewritten", dedupe.bytesRewritten);
      d.put("extentsRewritten", dedupe.extentsRewritten);
      d.put("rewritesSkippedNoSpace", dedupe.rewritesSkippedNoSpace);
      d.put("rangesDiffered", dedupe.rangesDiffered);
      d.put("rangesFailed", dedupe.rangesFailed);
      d.put("filesSkipped", dedupe.filesSkipped);
      ObjectNode errnos = d.putObject("failuresByErrno");
      for (Map.Entry<String, Long> e : dedupe.failuresByErrno.entrySet()) errnos.put(e.getKey(), e.getValue());
      d.put("stoppedByDeadline", dedupe.stoppedByDeadline);
    }
    if (!largest.isEmpty() || plan != null && dedupe == null) {
      ArrayNode a = n.putArray("largest");
      for (Range r : largest) {
        ObjectNode o = a.addObject();
        o.put("length", r.length());
        o.set("source", place(json, r.source()));
        ArrayNode ds = o.putArray("destinations");
        r.destinations().forEach(d -> ds.add(place(json, d)));
      }
      ArrayNode dirs = n.putArray("directories");
      for (DirBytes d : directories) dirs.addObject().put("path", d.dir().toString()).put("duplicateBytes", d.bytes());
    }
    return n;
  }

  private static ObjectNode place(ObjectMapper json, Place p) {
    return json.createObjectNode().put("path", String.valueOf(p.path())).put("offset", p.offset());
  }
}
