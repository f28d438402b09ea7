package dupex.dedupe;

import dupex.scanner.FileId;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs a plan's jobs on a few threads, never two at once where one writes a file the other reads or writes, and
 * such jobs in the order given. A job writes its destinations and reads its source: jobs sharing only a source run
 * together, which keeps chains right (a file shared onto, then shared itself, ends on the blocks of the first
 * source, as one thread would have left it) and ties the calls to files only as much as sharing needs.
 */
final class JobScheduler implements AutoCloseable {
  /** A job that may fail as {@link RangeDeduper} jobs do. */
  interface Task {
    void run() throws IOException;
  }

  /** Jobs waiting behind a job they conflict with, at most, before the plan waits too. */
  static final int WINDOW = 64;

  private record Job(FileId reads, Set<FileId> writes, Task task) {}

  private final int threads;
  private final ExecutorService pool;
  private final ArrayDeque<Job> pending = new ArrayDeque<>();
  private final Map<FileId, Integer> reading = new HashMap<>();
  private final Set<FileId> writing = new HashSet<>();
  private int running;
  private Throwable failure;

  /** A scheduler of {@code threads} workers (daemons); close it when done. */
  JobScheduler(int threads) {
    if (threads < 1) throw new IllegalArgumentException("a scheduler needs a thread");
    this.threads = threads;
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "dupex-dedupe");
      t.setDaemon(true);
      return t;
    });
  }

  /** The threads to use on this machine: one per core, at most four. */
  static int defaultThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Queues a job that reads {@code src} and writes {@code dests}; waits while {@link #WINDOW} jobs wait already.
   * False once a job has failed: give no more.
   */
  synchronized boolean submit(FileId src, Set<FileId> dests, Task task) throws InterruptedException {
    while (failure == null && pending.size() >= WINDOW) wait();
    if (failure != null) return false;
    pending.add(new Job(src, Set.copyOf(dests), task));
    dispatch();
    return true;
  }

  /** Starts every waiting job that conflicts with no running job and no job waiting before it. */
  private void dispatch() {
    Set<FileId> heldReads = new HashSet<>(), heldWrites = new HashSet<>();
    for (Iterator<Job> it = pending.iterator(); it.hasNext() && running < threads; ) {
      Job j = it.next();
      if (startable(j, heldReads, heldWrites)) {
        it.remove();
        start(j);
      } else {
        heldReads.add(j.reads());
        heldWrites.addAll(j.writes());
      }
    }
  }

  private boolean startable(Job j, Set<FileId> heldReads, Set<FileId> heldWrites) {
    if (writing.contains(j.reads()) || heldWrites.contains(j.reads())) return false;
    for (FileId w : j.writes()) {
      if (writing.contains(w) || reading.containsKey(w) || heldWrites.contains(w) || heldReads.contains(w)) return false;
    }
    return true;
  }

  private void start(Job j) {
    running++;
    reading.merge(j.reads(), 1, Integer::sum);
    writing.addAll(j.writes());
    pool.execute(() -> {
      Throwable failed = null;
      try {
        j.task().run();
      } catch (Throwable t) {
        failed = t;
      }
      done(j, failed);
    });
  }

  private synchronized void done(Job j, Throwable failed) {
    running--;
    reading.computeIfPresent(j.reads(), (k, n) -> n == 1 ? null : n - 1);
    writing.removeAll(j.writes());
    if (failed != null && failure == null) {
      failure = failed;
      pending.clear(); // not started: nothing of theirs to undo
    }
    if (failure == null) dispatch();
    notifyAll();
  }

  /**
   * Waits until every job given has run (none more start once one failed, or when {@code stopped}: those not
   * started are dropped), then throws what the first failure threw.
   */
  void finish(boolean stopped) throws IOException {
    boolean interrupted = false;
    synchronized (this) {
      if (stopped) pending.clear();
      while (running > 0 || (failure == null && !pending.isEmpty())) {
        try {
          wait();
        } catch (InterruptedException e) {
          interrupted = true; // the calls in flight end within their round
          pending.clear();
        }
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
    Throwable f;
    synchronized (this) {
      f = failure;
    }
    if (f instanceof IOException io) throw io;
    if (f instanceof RuntimeException re) throw re;
    if (f instanceof Error err) throw err;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
