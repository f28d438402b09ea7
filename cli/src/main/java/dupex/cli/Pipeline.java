package dupex.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dupex.dedupe.DedupeCounters;
import dupex.dedupe.DedupeJob;
import dupex.dedupe.DedupeListener;
import dupex.dedupe.DedupeOptions;
import dupex.dedupe.DedupePlan;
import dupex.dedupe.DedupePlanner;
import dupex.dedupe.RangeDeduper;
import dupex.index.BlockIndex;
import dupex.index.FileRecord;
import dupex.index.IndexException;
import dupex.index.IndexSettings;
import dupex.index.IndexUpdater;
import dupex.linux.DedupeNotSupportedException;
import dupex.linux.NativeIOException;
import dupex.scanner.FileId;
import dupex.scanner.ScanOptions;
import dupex.scanner.SkipReason;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs scan, plan and (for dedupe) the kernel calls on one filesystem's roots with its own index. */
final class Pipeline {
  enum Mode { SCAN, REPORT, DEDUPE }

  private final Console console;
  private final Session session;
  private final ScanOptions scanOptions;
  private final boolean wait;

  Pipeline(Console console, Session session, ScanOptions scanOptions, boolean wait) {
    this.console = console;
    this.session = session;
    this.scanOptions = scanOptions;
    this.wait = wait;
  }

  FsRun run(Filesystems.Group group, Path indexRoot, Mode mode, DedupeOptions dedupeOptions, int top) throws CliException {
    if (mode == Mode.DEDUPE && !group.fsStat().mayDedupe()) {
      throw new CliException(ExitCode.UNAVAILABLE, group.roots().get(0) + " is on " + group.fsStat().typeName()
          + ", which cannot dedupe: btrfs, or XFS made with reflink=1, can ('dupex report' works on any filesystem)");
    }
    Path dir = IndexLocation.forFilesystem(indexRoot, group.key());
    FsRun run = new FsRun(group, dir);
    try (BlockIndex index = open(dir)) {
      long t0 = System.nanoTime();
      scan(index, run);
      long t1 = System.nanoTime();
      run.scanSeconds = (t1 - t0) / 1e9;
      if (mode == Mode.SCAN || session.cancelled().getAsBoolean()) return finish(index, run, mode);
      console.phase("planning");
      double btrfsThreshold = group.fsStat().isBtrfs() ? dedupeOptions.rewriteThreshold() : Double.NaN;
      try (DedupePlan plan = new DedupePlanner(index, btrfsThreshold).plan()) {
        long t2 = System.nanoTime();
        run.planSeconds = (t2 - t1) / 1e9;
        run.plan = plan.totals();
        if (mode == Mode.REPORT) describe(index, plan, run, top);
        else dedupe(index, plan, run, dedupeOptions);
        run.dedupeSeconds = (System.nanoTime() - t2) / 1e9;
      }
      return finish(index, run, mode);
    } catch (IndexException.Locked e) {
      throw new CliException(ExitCode.LOCKED, e.getMessage() + " (use --wait to wait for it)", e);
    } catch (IndexException.SettingsMismatch e) {
      throw new CliException(ExitCode.CONFIG, e.getMessage(), e);
    } catch (IndexException.Corrupt | IndexException.NoSpace e) {
      throw new CliException(ExitCode.IO_ERROR, e.getMessage(), e);
    } catch (IndexException e) {
      int code = e.getMessage().contains("Permission denied") ? ExitCode.NO_PERMISSION : ExitCode.IO_ERROR;
      throw new CliException(code, e.getMessage(), e);
    } catch (DedupeNotSupportedException e) {
      throw new CliException(ExitCode.UNAVAILABLE, group.roots().get(0) + ": this filesystem cannot dedupe ("
          + group.fsStat().typeName() + " without reflink support?): " + e.getReason(), e);
    } catch (NativeIOException e) {
      throw Filesystems.fail(Path.of(e.getFile()), e);
    } catch (IOException e) {
      throw new CliException(ExitCode.IO_ERROR, e.getMessage(), e);
    }
  }

  private BlockIndex open(Path dir) throws IndexException, CliException {
    IndexSettings settings = new IndexSettings(scanOptions.blockSize());
    boolean said = false;
    while (true) {
      try {
        return BlockIndex.open(dir, settings);
      } catch (IndexException.Locked e) {
        if (!wait) throw e;
        if (!said) console.info("index " + dir + " is in use; waiting (--wait)");
        said = true;
        if (session.cancelled().getAsBoolean()) throw new CliException(ExitCode.INTERRUPTED, "interrupted while waiting for the index");
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          throw new CliException(ExitCode.INTERRUPTED, "interrupted while waiting for the index");
        }
      } catch (LinkageError e) { // RocksDB's native library did not load
        throw new CliException(ExitCode.SOFTWARE, "cannot load RocksDB's native library from "
            + System.getProperty("java.io.tmpdir") + " (mounted noexec?); set DUPEX_TMPDIR to an executable directory: " + e.getMessage());
      }
    }
  }

  private void scan(BlockIndex index, FsRun run) throws IOException {
    console.phase("scanning " + run.group.roots());
    try (Console.Bar bar = console.bar("scan", " files", 1, run.scan.filesSeen::get, () -> -1, run.scan.bytesRead::get)) {
      run.scanComplete = new IndexUpdater(index, scanOptions, console::skipped, run.scan).scan(run.group.roots(), session.cancelled());
    }
  }

  private void dedupe(BlockIndex index, DedupePlan plan, FsRun run, DedupeOptions options) throws IOException {
    console.phase("deduping " + Units.bytes(plan.totals().dupeBytes()) + " in " + plan.totals().ranges() + " ranges");
    long[] done = {0};
    DedupeListener listener = new DedupeListener() {
      @Override
      public void skipped(Path path, SkipReason reason, String detail) {
        console.skipped(path, reason, detail);
      }

      @Override
      public void progress(long bytesDone, long bytesTotal) {
        done[0] = bytesDone;
      }
    };
    RangeDeduper deduper = new RangeDeduper(index, options, listener);
    try (Console.Bar bar = console.bar("dedupe", " MiB", 1 << 20, () -> done[0], () -> plan.totals().dupeBytes(), null)) {
      run.dedupe = deduper.run(plan, run.group.roots().get(0), session.cancelled());
    }
  }

  /** The report's details: the largest ranges with their paths, and duplicate bytes per directory. */
  private void describe(BlockIndex index, DedupePlan plan, FsRun run, int top) throws IOException {
    Map<FileId, Path> paths = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<FileId, Path> e) {
        return size() > 10_000;
      }
    };
    Map<Path, Long> perDir = new HashMap<>();
    plan.forEachJob(job -> {
      if (run.largest.size() < top) {
        List<FsRun.Place> dests = new ArrayList<>();
        for (DedupeJob.Dest d : job.dests()) dests.add(new FsRun.Place(path(index, paths, d.file()), d.offset()));
        run.largest.add(new FsRun.Range(job.length(), new FsRun.Place(path(index, paths, job.src()), job.srcOffset()), dests));
      }
      for (DedupeJob.Dest d : job.dests()) {
        Path p = path(index, paths, d.file());
        Path parent = p == null ? null : p.getParent();
        if (parent != null) perDir.merge(parent, job.length(), Long::sum);
      }
      return !session.cancelled().getAsBoolean();
    });
    perDir.entrySet().stream().sorted(Map.Entry.<Path, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(top).forEach(e -> run.directories.add(new FsRun.DirBytes(e.getKey(), e.getValue())));
  }

  private static Path path(BlockIndex index, Map<FileId, Path> cache, FileId id) throws IndexException {
    Path p = cache.get(id);
    if (p == null) {
      p = index.get(id).map(FileRecord::path).orElse(null);
      if (p != null) cache.put(id, p);
    }
    return p;
  }

  private FsRun finish(BlockIndex index, FsRun run, Mode mode) throws IndexException {
    ObjectMapper json = new ObjectMapper();
    var last = run.toJson(json);
    last.remove("largest");
    last.remove("directories");
    last.put("command", mode.name().toLowerCase());
    last.put("finishedAt", Instant.now().toString());
    index.putMeta("lastRun", last.toString());
    return run;
  }

}
