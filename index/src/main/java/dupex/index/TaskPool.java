package dupex.index;

import java.io.IOException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs tasks that may fail on a few threads ({@link BoundedPool}: the caller runs one itself when the workers and a
 * short queue are full), keeps the first failure, takes no task after it, and throws it once every task taken has
 * ended. For system calls that wait on the disk or the kernel, one per file or extent.
 */
public final class TaskPool implements AutoCloseable {
  /** One task. */
  public interface Task {
    void run() throws IOException;
  }

  private final ThreadPoolExecutor pool;
  private final AtomicReference<IOException> failed = new AtomicReference<>();

  public TaskPool(int threads) {
    this.pool = BoundedPool.of(threads, threads * 64);
  }

  /** Whether no task has failed (so more are worth giving). */
  public boolean ok() {
    return failed.get() == null;
  }

  /** Runs {@code task} on a worker, or on the caller when all are busy; nothing once a task has failed. */
  public void submit(Task task) {
    if (!ok()) return;
    pool.execute(() -> {
      try {
        task.run();
      } catch (IOException e) {
        failed.compareAndSet(null, e);
      }
    });
  }

  /** Waits for every task given to end, then throws what the first failure threw. */
  public void finish() throws IOException {
    BoundedPool.drain(pool);
    IOException e = failed.get();
    if (e != null) throw e;
  }

  /** Waits for the tasks given (after a failure of the caller's own: theirs is dropped). */
  @Override
  public void close() {
    BoundedPool.drain(pool);
  }
}
