package dupex.cli;

/** The exit codes of every dupex command (sysexits.h values), printed by --help and listed in the README. */
public final class ExitCode {
  public static final int OK = 0;
  public static final int SKIPPED = 1;
  public static final int USAGE = 64;
  public static final int NO_INPUT = 66;
  public static final int UNAVAILABLE = 69;
  public static final int SOFTWARE = 70;
  public static final int IO_ERROR = 74;
  public static final int LOCKED = 75;
  public static final int NO_PERMISSION = 77;
  public static final int CONFIG = 78;
  public static final int INTERRUPTED = 130;

  static final String TABLE = """
      Exit codes:
        0    done, nothing failed (including "no duplicates found")
        1    done, but some files or ranges were skipped or refused (see stderr)
        64   bad option or argument
        66   a path is missing or is not a file or directory
        69   the filesystem cannot dedupe (not btrfs, or XFS without reflink)
        70   internal error (stack trace with -v), or out of memory (raise DUPEX_HEAP)
        74   index I/O error, corruption or full disk (the message says what to do)
        75   index locked by another dupex run (use --wait to wait for it)
        77   permission denied
        78   index built with different settings (--block-size)
        130  interrupted (SIGINT/SIGTERM); the index is left consistent""";

  private ExitCode() {}
}
