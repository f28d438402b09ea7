package dupex.cli;

import dupex.linux.Linux;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The dupex command line: parses, runs one subcommand, maps every failure to one exit code and one message. */
@Command(name = "dupex", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Reclaim disk space on btrfs and XFS by sharing identical blocks (FIDEDUPERANGE).",
    footer = {"", "Run 'dupex COMMAND --help' for a command's options.", "", ExitCode.TABLE})
public final class Main implements Runnable {
  /** The commands, in the order help lists them. */
  static final List<Class<?>> COMMANDS =
      List.of(DedupeCommand.class, ReportCommand.class, ScanCommand.class, StatusCommand.class, ForgetCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is needed: dedupe, report, scan, status or forget");
  }

  public static void main(String[] args) {
    if (args.length > 0 && isCommand(args[0])) WarmUp.start();
    AtomicBoolean cancelled = new AtomicBoolean();
    installSignalHandlers(cancelled);
    Session session = new Session(System.getenv(), () -> Linux.isatty(2), cancelled::get, Arguments.of(args));
    // dupex writes UTF-8 whatever the locale (under cron's empty environment Java would print '?' for every
    // non-ASCII character); names that are not UTF-8 are escaped before they get here.
    PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
    int code = run(args, out, err, session);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** SIGINT and SIGTERM ask the run to stop after the calls in flight; the index is closed cleanly, exit 130. */
  private static void installSignalHandlers(AtomicBoolean cancelled) {
    for (String name : new String[] {"INT", "TERM"}) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
          if (!cancelled.getAndSet(true)) {
            System.err.println("dupex: SIG" + name + ": stopping after the current call (again to force)");
          } else {
            Runtime.getRuntime().halt(ExitCode.INTERRUPTED);
          }
        });
      } catch (IllegalArgumentException e) {
        // signal not available here: the default handling stays
      }
    }
  }

  /** Runs a command line in-process and returns its exit code; tests call this. */
  static int run(String[] args, PrintWriter out, PrintWriter err, Session session) {
    CommandLine cl = commandLine(session, args.length > 0 ? args[0] : null);
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    boolean[] verbose = {false};
    for (String a : args) if (a.matches("-v+|--verbose")) verbose[0] = true;
    cl.setParameterExceptionHandler((ex, a) -> {
      err.println("dupex: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
      return ExitCode.USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      if (ex instanceof CliException c) {
        err.println("dupex: " + c.getMessage());
        if (verbose[0] && c.getCause() != null) c.getCause().printStackTrace(err);
        return c.exitCode();
      }
      return internalError(ex, err, verbose[0]);
    });
    try {
      return cl.execute(args);
    } catch (OutOfMemoryError e) { // picocli hands on Errors: without this the JVM would exit 1, "some files skipped"
      err.println("dupex: out of memory: the heap's ceiling is too small for this run (raise DUPEX_HEAP, default 256m;"
          + " one directory's entries are held at once, about 10 bytes each beyond their names); the index keeps what was"
          + " hashed up to its last checkpoint");
      return ExitCode.SOFTWARE;
    } catch (Error e) {
      return internalError(e, err, verbose[0]);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static int internalError(Throwable t, PrintWriter err, boolean verbose) {
    err.println("dupex: internal error: " + t + (verbose ? "" : " (run with -v for the stack trace)"));
    if (verbose) t.printStackTrace(err);
    Throwable loading = WarmUp.failure();
    if (loading != null && t != loading) {
      err.println("dupex: loading native code failed first: " + loading);
      if (verbose) loading.printStackTrace(err);
    }
    return ExitCode.SOFTWARE;
  }

  /** The command line with every command (for help, the man page and completion), created with {@code session}. */
  static CommandLine commandLine(Session session) {
    return commandLine(session, null);
  }

  /**
   * The command line for a run whose first argument is {@code first}: when it names a command, only that command
   * is added (building a command's model reads its options by reflection: most of the time a run spends before it
   * starts); otherwise every command, for help and suggestions.
   */
  static CommandLine commandLine(Session session, String first) {
    CommandLine cl = new CommandLine(new Main(), new SessionFactory(session));
    boolean named = isCommand(first);
    for (Class<?> c : COMMANDS) {
      if (!named || name(c).equals(first)) cl.addSubcommand(c);
    }
    return cl;
  }

  /** Whether {@code arg} is the name of a command. */
  private static boolean isCommand(String arg) {
    return COMMANDS.stream().anyMatch(c -> name(c).equals(arg));
  }

  private static String name(Class<?> command) {
    return command.getAnnotation(Command.class).name();
  }

  static String version() {
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"dupex " + version(), "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name")
          + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")};
    }
  }

  /** Creates commands with the session passed to their constructor. */
  private record SessionFactory(Session session) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> cls) throws Exception {
      try {
        Constructor<K> c = cls.getDeclaredConstructor(Session.class);
        c.setAccessible(true);
        return c.newInstance(session);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(cls);
      }
    }
  }

}
