package dupex.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class WarmUpTest {
  @Test
  void loadsEverythingItPreparesWithoutFailing() throws InterruptedException {
    Thread t = WarmUp.start();
    t.join(60_000);
    assertFalse(t.isAlive());
    assertNull(WarmUp.failure());
  }
}
