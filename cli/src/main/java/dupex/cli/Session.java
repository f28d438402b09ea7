package dupex.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What a command runs with, passed in rather than read from statics so tests can run commands in-process: the
 * environment, whether stderr is a terminal (asked only when output is set up, so --version never loads native
 * code), the cancel flag set by SIGINT/SIGTERM, and the arguments' bytes.
 */
record Session(Map<String, String> env, BooleanSupplier stderrIsTerminal, BooleanSupplier cancelled, Arguments arguments) {
  static Session forTest(Map<String, String> env) {
    return new Session(env, () -> false, () -> false, Arguments.NONE);
  }
}
