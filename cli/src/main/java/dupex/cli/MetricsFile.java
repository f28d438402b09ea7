package dupex.cli;

import dupex.dedupe.DedupeTotals;
import dupex.dedupe.PlanTotals;
import dupex.linux.BytePath;
import dupex.scanner.ScanTotals;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's figures in Prometheus' text format, for node_exporter's textfile collector: written at the end of every
 * run, failed ones included, to a temporary file renamed over the last one, so the collector never reads half a
 * file. Series per filesystem carry its uuid, mount point and type.
 */
final class MetricsFile {
  /** One metric: its name, help, type and samples (labels -> value), written in that order. */
  private record Metric(String name, String help, String type, List<Map.Entry<String, Double>> samples) {}

  private final Map<String, Metric> metrics = new LinkedHashMap<>();

  private void add(String name, String type, String help, String labels, double value) {
    metrics.computeIfAbsent(name, n -> new Metric(n, help, type, new ArrayList<>())).samples().add(Map.entry(labels, value));
  }

  static String text(String command, int exitCode, Instant started, Instant ended, List<FsRun> runs) {
    MetricsFile m = new MetricsFile();
    String cmd = "command=\"" + command + "\"";
    m.add("dupex_last_run_timestamp_seconds", "gauge", "When the last run of the command ended (Unix time).", cmd, ended.toEpochMilli() / 1000.0);
    m.add("dupex_last_run_duration_seconds", "gauge", "How long the last run of the command took.", cmd,
        Duration.between(started, ended).toMillis() / 1000.0);
    m.add("dupex_last_run_exit_code", "gauge", "The exit code of the last run of the command (0 done, 1 something skipped; see man dupex).",
        cmd, exitCode);
    long rss = WorkCommand.peakRssBytes();
    if (rss >= 0) m.add("dupex_last_run_peak_rss_bytes", "gauge", "Peak resident memory of the last run of the command.", cmd, rss);
    for (FsRun run : runs) {
      String fs = cmd + ",filesystem=\"" + esc(run.filesystem()) + "\",mountpoint=\"" + esc(mountPoint(run.roots())) + "\",type=\""
          + esc(run.type()) + "\"";
      m.add("dupex_filesystem_failed", "gauge", "1 when the run on the filesystem failed (its message is in the log), else 0.",
          fs, run.failure() == null ? 0 : 1);
      ScanTotals s = run.scan();
      if (s != null) {
        m.add("dupex_scan_complete", "gauge", "1 when the scan walked every path to the end.", fs, s.complete() ? 1 : 0);
        m.add("dupex_scanned_files", "gauge", "Files the scan saw.", fs, s.filesSeen());
        m.add("dupex_scanned_bytes", "gauge", "Bytes in the files the scan saw.", fs, s.bytesSeen());
        m.add("dupex_read_bytes", "gauge", "Bytes the scan read (new and changed files).", fs, s.bytesRead());
        for (SkipReason r : SkipReason.values()) {
          m.add("dupex_skipped_files", "gauge", "Files and directories skipped, by reason.",
              fs + ",reason=\"" + r.name().toLowerCase(Locale.ROOT) + "\"", s.skipped().getOrDefault(r, 0L));
        }
      }
      PlanTotals p = run.plan();
      if (p != null) {
        m.add("dupex_duplicate_bytes", "gauge", "Duplicate bytes the plan found (copies, not counting what is already shared).", fs, p.duplicateBytes());
        m.add("dupex_estimated_freeable_bytes", "gauge", "Bytes the plan estimated dedupe frees.", fs, p.estimatedFreedBytes());
        m.add("dupex_already_shared_bytes", "gauge", "Duplicate bytes already shared.", fs, p.alreadySharedBytes());
        m.add("dupex_pinned_bytes", "gauge", "btrfs: bytes of extents that files outside the run keep allocated.", fs, p.pinnedBytes());
      }
      DedupeTotals d = run.dedupe();
      if (d != null) {
        m.add("dupex_deduped_bytes", "gauge", "Bytes the kernel confirmed as shared in the last run.", fs, d.bytesDeduped());
        m.add("dupex_deduped_during_scan_bytes", "gauge", "Of those, bytes of whole-file copies shared while the scan read (XFS).", fs, d.bytesDedupedDuringScan());
        m.add("dupex_freed_bytes", "gauge", "Free space the last run gained (statfs after syncfs).", fs, d.bytesFreed());
        m.add("dupex_rewritten_bytes", "gauge", "btrfs: bytes copied so that partly referenced extents could be freed.", fs, d.bytesRewritten());
        m.add("dupex_dedupe_failures", "gauge", "Ranges the kernel refused and files skipped for a failure in the last dedupe.", fs, d.failures());
      }
      long index = indexBytes(run.index());
      if (index >= 0) m.add("dupex_index_bytes", "gauge", "Size of the filesystem's index on disk.", fs, index);
    }
    StringBuilder b = new StringBuilder();
    for (Metric metric : m.metrics.values()) {
      b.append("# HELP ").append(metric.name()).append(' ').append(metric.help()).append('\n');
      b.append("# TYPE ").append(metric.name()).append(' ').append(metric.type()).append('\n');
      for (var e : metric.samples()) {
        double v = e.getValue();
        String value = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
            : new java.math.BigDecimal(v).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
        b.append(metric.name()).append('{').append(e.getKey()).append("} ").append(value).append('\n');
      }
    }
    return b.toString();
  }

  /** Writes the metrics to {@code file} whole (temporary file and rename), readable by node_exporter (0644). */
  static void write(Path file, String text) throws CliException {
    AtomicFile.write(file, text, "rw-r--r--", "the metrics file");
  }

  /** The mount point holding the first root: the longest mount point of /proc/self/mountinfo that contains it. */
  static String mountPoint(List<BytePath> roots) {
    if (roots.isEmpty()) return "";
    String root = roots.get(0).toString();
    String best = "/";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.ISO_8859_1)) {
        String[] f = line.split(" ");
        if (f.length < 5) continue;
        String mp = unescape(f[4]);
        boolean contains = mp.equals("/") || root.equals(mp) || root.startsWith(mp + "/");
        if (contains && mp.length() > best.length()) best = mp;
      }
    } catch (IOException e) {
      return "";
    }
    return best;
  }

  /** mountinfo writes space, tab, newline and backslash as octal escapes. */
  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
          // not an escape
        }
      }
      b.append(c);
    }
    return b.toString();
  }

  private static long indexBytes(Path dir) {
    if (dir == null || !Files.isDirectory(dir)) return -1;
    try (var s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      return -1;
    }
  }

  /** A label value: backslash, double quote and newline escaped. */
  private static String esc(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
