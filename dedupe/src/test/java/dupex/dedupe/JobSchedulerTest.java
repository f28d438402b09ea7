package dupex.dedupe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dupex.scanner.FileId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JobSchedulerTest {
  static FileId f(long inode) {
    return new FileId(1, inode);
  }

  @Test
  void jobsOnDifferentFilesRunAtOnce() throws Exception {
    assertRunAlongside(f(10), f(20), f(11), f(21));
  }

  @Test
  void jobsSharingOnlyTheirSourceRunAtOnce() throws Exception {
    assertRunAlongside(f(1), f(20), f(1), f(21));
  }

  /** Two jobs, each of which waits until the other has started: they finish only if they run at once. */
  private static void assertRunAlongside(FileId srcA, FileId dstA, FileId srcB, FileId dstB) throws Exception {
    CountDownLatch both = new CountDownLatch(2);
    JobScheduler.Task waitForTheOther = () -> {
      both.countDown();
      try {
        if (!both.await(10, TimeUnit.SECONDS)) throw new IOException("the other job never ran alongside");
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    };
    try (JobScheduler s = new JobScheduler(2)) {
      s.submit(srcA, Set.of(dstA), waitForTheOther);
      s.submit(srcB, Set.of(dstB), waitForTheOther);
      s.finish(false);
    }
  }

  /** A chain (a→b, then b→c), a file written twice, a source written: each pair in the order given, never at once. */
  @Test
  void jobsWhereOneWritesWhatTheOtherTouchesRunInOrderOneAtATime() throws Exception {
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger inside = new AtomicInteger();
    boolean[] overlapped = {false};
    try (JobScheduler s = new JobScheduler(4)) {
      String[][] jobs = {{"a", "b"}, {"b", "c"}, {"x", "c"}, {"c", "y"}, {"p", "q"}};
      for (String[] j : jobs) {
        FileId src = f(j[0].charAt(0)), dst = f(j[1].charAt(0));
        s.submit(src, Set.of(dst), () -> {
          boolean chained = !j[0].equals("p");
          if (chained && inside.incrementAndGet() > 1) overlapped[0] = true;
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
          log.add(j[0] + j[1]);
          if (chained) inside.decrementAndGet();
        });
      }
      s.finish(false);
    }
    assertFalse(overlapped[0], "conflicting jobs ran at once");
    List<String> chain = new ArrayList<>(log);
    chain.remove("pq");
    assertEquals(List.of("ab", "bc", "xc", "cy"), chain);
    assertEquals(5, log.size());
  }

  @Test
  void theFirstFailureStopsWhatHasNotStartedAndIsThrown() throws Exception {
    AtomicInteger ran = new AtomicInteger();
    try (JobScheduler s = new JobScheduler(1)) {
      assertTrue(s.submit(f(1), Set.of(f(2)), () -> {
        throw new IOException("no space");
      }));
      for (int i = 0; i < 50; i++) {
        if (!s.submit(f(1), Set.of(f(2)), ran::incrementAndGet)) break;
      }
      IOException e = assertThrows(IOException.class, () -> s.finish(false));
      assertEquals("no space", e.getMessage());
      assertFalse(s.submit(f(3), Set.of(f(4)), ran::incrementAndGet), "nothing more is taken");
    }
    assertEquals(0, ran.get(), "the jobs waiting behind the failure never ran");
  }
}
