package dupex.index;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A pool of workers with a short queue that runs a task on the caller when full, and waits for its tasks to end. */
public final class BoundedPool {
  private BoundedPool() {}

  /** {@code threads} workers and {@code queued} waiting tasks at most: whoever feeds it never runs far ahead. */
  public static ThreadPoolExecutor of(int threads, int queued) {
    return new ThreadPoolExecutor(threads, threads, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(queued),
        new ThreadPoolExecutor.CallerRunsPolicy());
  }

  /** Lets the tasks given finish, even when interrupted (the interrupt is kept for the caller). */
  public static void drain(ExecutorService pool) {
    pool.shutdown();
    boolean interrupted = false;
    while (true) {
      try {
        if (pool.awaitTermination(1, TimeUnit.SECONDS)) break;
      } catch (InterruptedException e) {
        interrupted = true; // the tasks in flight finish first
      }
    }
    if (interrupted) Thread.currentThread().interrupt();
  }
}
